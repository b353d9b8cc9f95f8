"""The Hypothesis settings of a grade: the same examples for the same submission, always.

A grade loads the profile :data:`PROFILE` (:func:`grading_settings`): derandomized, no
example database, no deadline, no "explain" phase (it would print line numbers of the
hidden tests), quiet health checks, and the example count of ``assignment.toml``. Each
property-based test then gets its function's own count (:func:`apply_to_test`); a test's
own ``@settings`` may lower it, never raise it.
"""

from __future__ import annotations

from typing import Any

#: The name the grading profile is registered under.
PROFILE = "autograder-grading"

#: What makes a grade deterministic and quiet, in the profile and in every test's settings.
DETERMINISTIC: dict[str, Any] = {
    "derandomize": True,
    "database": None,
    "deadline": None,
    "print_blob": False,
    "report_multiple_bugs": False,
}

#: Health checks that would fail a grade for the tests' own reasons, not the submission's.
QUIET_HEALTH_CHECKS = ("too_slow", "filter_too_much", "data_too_large", "differing_executors")


def grading_settings(max_examples: int) -> Any:
    """The grading settings object (derandomized, no database, no deadline, quiet)."""
    from hypothesis import HealthCheck, Phase, settings

    checks = [
        getattr(HealthCheck, name) for name in QUIET_HEALTH_CHECKS if hasattr(HealthCheck, name)
    ]
    # No "explain" phase: it would print line numbers of the hidden tests.
    phases = [p for p in Phase if p.name != "explain"]
    return settings(
        **DETERMINISTIC, max_examples=max_examples, suppress_health_check=checks, phases=phases
    )


def load_grading_profile(max_examples: int) -> str:
    """Register and load :data:`PROFILE`; return the name of the profile it replaced."""
    from hypothesis import settings

    previous = getattr(settings, "_current_profile", None) or "default"
    settings.register_profile(PROFILE, grading_settings(max_examples))
    settings.load_profile(PROFILE)
    return previous


def restore_profile(name: str) -> None:
    """Load the profile ``name`` again (the one :func:`load_grading_profile` replaced)."""
    from hypothesis import settings

    settings.load_profile(name)


def apply_to_test(test_function: Any, max_examples: int) -> None:
    """Give a property-based test the grading settings with ``max_examples`` examples.

    ``test_function`` is the test's function (a non-Hypothesis test is left alone). The
    test's own settings, as written, are saved on it once (modules stay imported between
    grades in one process, and this replaces the attribute Hypothesis reads); when they
    were given explicitly, they are the parent and may only lower the count.
    """
    fn = getattr(test_function, "__func__", test_function)
    if not getattr(fn, "is_hypothesis_test", False):
        return
    from hypothesis import settings

    if not hasattr(fn, "_autograder_own_settings"):
        fn._autograder_own_settings = getattr(fn, "_hypothesis_internal_use_settings", None)
    current = fn._autograder_own_settings
    count = max_examples
    explicit = getattr(fn, "_hypothesis_internal_settings_applied", False)
    if explicit and current is not None:
        count = min(count, current.max_examples)
    profile = settings.get_profile(PROFILE)
    parent = current if explicit and current is not None else profile
    fn._hypothesis_internal_use_settings = settings(
        parent,
        **DETERMINISTIC,
        max_examples=count,
        phases=profile.phases,
        suppress_health_check=sorted(
            set(parent.suppress_health_check) | set(profile.suppress_health_check),
            key=lambda h: h.value,
        ),
    )
