"""Hostile submissions: the generated stubs plus ONE attack each (see ``payloads.py``).

``payloads.py`` holds the attacks as snippets and renders each into a complete ``hw.py``;
``harness.py`` grades one and judges whether the sandbox contained it (used by
``tests/test_hostile.py``, ``tests/test_broken.py`` and ``bench/bench_hostile.py``).
"""
