"""Intake: reading what students and Gradescope hand in.

``submission`` (THE rule for which file is graded), ``bounded_zip`` (every untrusted zip is
opened here, within limits) and ``gradescope_export`` (Gradescope's "Export Submissions").
Nothing here runs student code.
"""
