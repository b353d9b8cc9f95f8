"""Autograder for the 'Music & AI: Deep Learning Fundamentals II' NumPy homework.

Trusted side (this package) grades an untrusted ``hw.py`` that runs in a sandboxed
worker process; see ``docs/DESIGN.md``.
"""

__version__ = "0.1.0"
