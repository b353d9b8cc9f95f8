"""Report pages show the definition Python uses (issue 23): with a wrong ``relu`` appended
after the solution's, the page of the failing relu showed the first definition, the one
Python does not use. The last top-level definition of a name is the one that runs."""

from __future__ import annotations

import textwrap

from autograder.classroom.reports.code import failing_code, function_sources, function_spans

SOURCE = textwrap.dedent(
    """\
    import numpy as np


    def relu(x):
        return np.maximum(x, 0.0)  # first_definition_marker


    def helper(x):
        def relu(y):
            return y  # nested_marker
        return relu(x)


    def relu(x):
        return np.abs(x)  # last_definition_marker
    """
)


def test_the_last_top_level_definition_is_the_one_shown() -> None:
    start, text = function_sources(SOURCE)["relu"]
    assert "last_definition_marker" in text and "first_definition_marker" not in text
    assert start == 14
    assert function_spans(SOURCE)["relu"][:2] == (14, 15)
    _, blocks = failing_code(SOURCE, ["relu"])
    html = str(blocks["relu"].html)
    assert "last_definition_marker" in html
    assert "first_definition_marker" not in html


def test_a_name_defined_only_inside_a_function_is_still_found() -> None:
    source = "def outer():\n    def inner():\n        return 1  # inner_marker\n    return inner\n"
    assert "inner_marker" in function_sources(source)["inner"][1]
