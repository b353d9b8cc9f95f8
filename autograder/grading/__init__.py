"""Grading: one submission graded, on the trusted side.

``runner`` runs pytest in-process with the ``plugin`` (a listener that builds the result
model, like pytest's junitxml), whose helpers are ``call_guard``, ``feedback``, ``points``,
``hypothesis_profile`` and ``time_limits``; ``results`` writes Gradescope's results.json and
``summary`` the terminal summary; ``run_command`` is ``autograder run``.
"""
