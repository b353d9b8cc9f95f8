"""The release: what ships to Gradescope and to students.

``build`` writes the otter-grader zip and the handout (refused by ``release_check`` when
it cannot grade every function fully), ``stubgen`` makes ``student/hw.py`` from the
solutions, ``handout`` the handout's points table, ``gradescope`` the zip's entry points.
"""
