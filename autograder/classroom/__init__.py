"""The classroom: a whole class graded at once (``autograder grade``).

``batch`` finds and grades the submissions, ``graders`` runs each grade (a pooled
``grading_server`` or a process of its own), ``reports`` writes the CSVs and HTML pages.
"""
