"""diagnose(): names each catalogued mistake from its own output, never a wrong one.

A mistake is named only when the evidence shows it: the submission's output reproduces it
on the failing input, and the submission itself (``call``) behaves like it on every probe
input that tells it apart from the solution.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from autograder.mistakes import MISTAKES, Mistake, by_function, diagnosis, part4, part6
from autograder.mistakes.diagnosis import close_enough, diagnose, mistake_function, reference_module
from autograder.mistakes.probes import PROBES

DIAGNOSABLE = [m for m in MISTAKES if m.diagnosable]
#: functions returning several values: the hidden tests compare (and diagnose) them one by one
MULTI_VALUE = {
    "linear_backward",
    "two_layer_net_loss",
    "momentum_step",
    "adagrad_step",
    "rmsprop_step",
    "adam_step",
    "train_two_layer_net",
}


def _call(fn, args, kwargs):
    with np.errstate(all="ignore"):
        return fn(*copy.deepcopy(args), **copy.deepcopy(kwargs))


def _discriminating(mistake):
    """The first probe on which the mistake's output differs from the reference's."""
    reference = getattr(reference_module(), mistake.function)
    for probe in PROBES[mistake.function]:
        args, kwargs = probe()
        try:
            out = _call(mistake_function(mistake), args, kwargs)
        except Exception:
            continue
        if not close_enough(out, _call(reference, args, kwargs)):
            return args, kwargs, out
    return None


def test_catalog_is_big_and_covers_every_part():
    functions = {m.function for m in MISTAKES}
    assert len(MISTAKES) >= 35
    assert len({m.id for m in MISTAKES}) == len(MISTAKES)
    for needed in (
        "softmax",
        "mse_grad",
        "bce_loss",
        "softmax_cross_entropy_loss",
        "relu_backward",
        "linear_backward",
        "two_layer_net_loss",
        "adam_step",
        "minibatch_indices",
        "train_two_layer_net",
        "numerical_gradient",
        "relative_error",
    ):
        assert needed in functions
    graded = set(reference_module().__dict__)
    assert functions <= graded
    for m in MISTAKES:
        assert m.explanation.endswith(".") and "\n" not in m.explanation, m.id
        assert m.function not in m.blast, m.id
        assert not m.blast or m.why, m.id


@pytest.mark.parametrize("mistake", DIAGNOSABLE, ids=lambda m: m.id)
def test_diagnose_names_the_mistake_from_its_own_output(mistake):
    found = _discriminating(mistake)
    assert found is not None, f"no probe in PROBES[{mistake.function!r}] tells {mistake.id} apart"
    args, kwargs, out = found
    submission = mistake_function(mistake)  # a submission with exactly this mistake
    hints = diagnose(mistake.function, args, kwargs, out, submission)
    assert mistake.explanation in hints
    # every other claimed mistake must really produce the same output on this input, and
    # be indistinguishable from this one on its own probes
    for other in by_function(mistake.function):
        if other.explanation in hints and other is not mistake:
            assert close_enough(out, _call(mistake_function(other), args, kwargs)), other.id
            assert diagnosis.confirmed(other, submission), other.id


@pytest.mark.parametrize("mistake", DIAGNOSABLE[:6], ids=lambda m: m.id)
def test_nothing_is_named_without_the_submission_to_confirm_it(mistake):
    args, kwargs, out = _discriminating(mistake)
    assert diagnose(mistake.function, args, kwargs, out) == []
    assert diagnosis.explain(mistake.function, args, kwargs, out) == ""


@pytest.mark.parametrize(
    "mistake", [m for m in DIAGNOSABLE if m.function in MULTI_VALUE], ids=lambda m: m.id
)
def test_diagnose_names_the_mistake_from_one_part_of_a_multi_value_result(mistake):
    found = _discriminating(mistake)
    assert found is not None
    args, kwargs, out = found
    reference = _call(getattr(reference_module(), mistake.function), args, kwargs)
    assert isinstance(reference, tuple) and len(out) == len(reference)
    wrong = [i for i, (o, r) in enumerate(zip(out, reference)) if not close_enough(o, r)]
    assert wrong
    hints = diagnose(mistake.function, args, kwargs, out[wrong[0]], mistake_function(mistake))
    assert any(mistake.explanation in h for h in hints), hints


@pytest.mark.parametrize("function", sorted(PROBES))
def test_reference_output_is_never_diagnosed(function):
    reference = getattr(reference_module(), function)
    for probe in PROBES[function]:
        args, kwargs = probe()
        assert diagnose(function, args, kwargs, _call(reference, args, kwargs), reference) == []


GARBAGE = [
    None,
    "softmax",
    b"\x00",
    np.zeros((7, 7, 7)),
    np.array(["a"]),
    [1, "x"],
    {"W1": None},
    (None, None),
    object(),
    np.array([1.5, 2.5]) + 1j,
]


@pytest.mark.parametrize("function", sorted(PROBES))
def test_diagnose_never_raises_on_garbage(function):
    args, kwargs = PROBES[function][0]()
    reference = getattr(reference_module(), function)

    def raises(*a, **k):
        raise RuntimeError("the submission fails")

    for got in GARBAGE:
        for call in (reference, raises, lambda *a, **k: None):
            assert diagnose(function, args, kwargs, got, call) == []
    for number in (3, float("nan"), -1e300):  # may legitimately match (e.g. floor(10 / 3))
        assert isinstance(diagnose(function, args, kwargs, number, reference), list)
    # garbage inputs too: the mistakes may fail, diagnose must not
    assert diagnose(function, ("not an array",), {"bogus": 1}, None, reference) == []
    assert diagnose("no_such_function", args, kwargs, None, reference) == []


def test_diagnose_leaves_inputs_and_global_random_state_alone():
    args, kwargs = PROBES["minibatch_indices"][0]()
    state = np.random.get_state()[1].copy()
    x = np.array([[0.3, -0.2], [0.1, 0.4]])
    f = PROBES["numerical_gradient"][0]()[0][0]
    diagnose("numerical_gradient", (f, x), {}, x, reference_module().numerical_gradient)
    diagnose("minibatch_indices", args, kwargs, [np.arange(10)],
             reference_module().minibatch_indices)
    assert np.array_equal(x, [[0.3, -0.2], [0.1, 0.4]])
    assert np.array_equal(np.random.get_state()[1], state)


def test_huge_inputs_are_not_diagnosed_and_stay_fast():
    z = np.zeros((diagnosis.MAX_ELEMENTS + 1,))
    assert diagnose("softmax", (z,), {}, np.exp(z) / z.size, reference_module().softmax) == []


def test_indistinguishable_mistake_is_not_claimed():
    # softmax without the max shift equals the reference on small logits: no claim there
    z = np.array([[0.5, -0.5, 1.0]])
    got = _call(reference_module().softmax, (z,), {})
    assert diagnose("softmax", (z,), {}, got, reference_module().softmax) == []


@pytest.mark.parametrize(
    ("function", "template"),
    [("two_layer_net_loss", part4._loss()), ("train_two_layer_net", part6._train())],
)
def test_unchanged_templates_equal_the_reference(function, template):
    """The templates the loss / training mistakes are cut from are the reference itself."""
    fake = Mistake(id="template", function=function, explanation=".", source=template)
    for probe in PROBES[function]:
        for optimizer in ("gd", "momentum", "adagrad", "rmsprop", "adam"):
            args, kwargs = probe()
            if function == "train_two_layer_net":
                kwargs["optimizer"] = optimizer
            expected = _call(getattr(reference_module(), function), args, kwargs)
            assert close_enough(_call(mistake_function(fake), args, kwargs), expected)


# ----------------------------------------------------------------------------- wrong hints
# Bugs that are NOT in the catalog, and the input where each reproduced a catalogued
# mistake's output (issue 13: four wrong hints). Named before, named no more.


def _ce_grad_clamps_n_times_p(probs, labels):
    probs, labels = np.asarray(probs, dtype=np.float64), np.asarray(labels, dtype=np.intp)
    n, rows = probs.shape[0], np.arange(probs.shape[0])
    grad = np.zeros_like(probs)
    grad[rows, labels] = -1.0 / np.maximum(n * probs[rows, labels], 1e-12)  # clamps N p
    return grad


def _softmax_minus_mean(z, axis=-1):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - np.mean(z, axis=axis, keepdims=True))  # the mean, not the maximum
    return e / np.sum(e, axis=axis, keepdims=True)


def _loss_with_db2_n_times(params, X, labels, reg=0.0):
    loss, grads = reference_module().two_layer_net_loss(params, X, labels, reg)
    return loss, {**grads, "b2": grads["b2"] * np.asarray(X).shape[0]}  # only db2 wrong


_PROBS_AT_0 = (np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([0, 1]))  # every label p is 0
_NET = PROBES["two_layer_net_loss"][0]()

#: name -> (function, the buggy submission, args, kwargs, which part of its value
#: reproduced the look-alike, the catalogued look-alike that was named)
WRONG_HINTS = {
    "cross_entropy_grad clamping N p": ("cross_entropy_grad", _ce_grad_clamps_n_times_p,
                                         _PROBS_AT_0, {}, lambda got: got,
                                         "cross_entropy_grad_no_mean"),
    "softmax minus the mean": ("softmax", _softmax_minus_mean, (np.array([[2000.0, 0.0, 1.0]]),),
                               {}, lambda got: got, "softmax_no_max_shift"),
    "backprop with db2 N times too large": ("two_layer_net_loss", _loss_with_db2_n_times,
                                            _NET[0], _NET[1], lambda got: got[1]["b2"],
                                            "loss_grad_not_averaged"),
}


@pytest.mark.parametrize("case", list(WRONG_HINTS), ids=list(WRONG_HINTS))
def test_a_different_bug_with_the_same_wrong_value_gets_no_hint(case):
    function, submission, args, kwargs, part, lookalike = WRONG_HINTS[case]
    got = _call(submission, args, kwargs)
    value = part(got)
    # on the failing input the look-alike reproduces the value (what used to be enough
    # for a hint)...
    assert [m.id for m, _ in diagnosis._reproducing(function, args, kwargs, value)] == [lookalike]
    # ...but the submission does not behave like it on the look-alike's own probes
    for wrong in (value, got):
        assert diagnose(function, args, kwargs, wrong, submission) == []
        assert diagnosis.explain(function, args, kwargs, wrong, submission) == ""


def test_confirmations_are_cached_per_submission():
    mistake = next(m for m in MISTAKES if m.id == "mse_grad_missing_2")
    args, kwargs, out = _discriminating(mistake)
    calls = []

    def submission(*a, **k):
        calls.append(1)
        return mistake_function(mistake)(*a, **k)

    cache: dict[str, bool] = {}
    assert diagnose("mse_grad", args, kwargs, out, submission, cache=cache) == [
        mistake.explanation]
    first = len(calls)
    assert first >= 1 and cache == {"mse_grad_missing_2": True}
    diagnose("mse_grad", args, kwargs, out, submission, cache=cache)
    assert len(calls) == first


def test_a_confirmation_call_is_marked():
    seen = []

    def submission(*a, **k):
        seen.append(diagnosis.confirming())
        return mistake_function(next(m for m in MISTAKES if m.id == "gd_step_ascent"))(*a, **k)

    args, kwargs = PROBES["gd_step"][0]()
    out = submission(*args, **kwargs)
    seen.clear()
    assert diagnose("gd_step", args, kwargs, out, submission)
    assert seen and all(seen) and not diagnosis.confirming()


# -- the recorder: the mistakes a test's feedback names, as data ---------------------------


def _explained(mistake_id: str) -> str:
    """``explain`` of a submission with exactly this mistake, on its first telling probe."""
    mistake = next(m for m in MISTAKES if m.id == mistake_id)
    args, kwargs, out = _discriminating(mistake)
    return diagnosis.explain(mistake.function, args, kwargs, out, mistake_function(mistake))


def test_explain_records_the_mistakes_its_hint_names():
    recorder = diagnosis.RECORDER
    recorder.reset()
    hint = _explained("mse_grad_missing_2")
    assert hint.strip().startswith(diagnosis.KNOWN_MISTAKE)
    assert recorder.recorded() == ["mse_grad_missing_2"]
    # the message a test shows holds the hint (the plugin strips and prefixes messages)
    message = f"mse_grad: values differ\n  inputs:\n    y_pred: [1.0]{hint}\n\nmore notes"
    assert recorder.shown_in(message.strip()) == ["mse_grad_missing_2"]
    assert recorder.shown_in("mse_grad: values differ (another example, no hint)") == []
    recorder.reset()
    assert recorder.recorded() == [] and recorder.shown_in(message) == []


def test_only_the_hints_a_message_shows_count():
    """Hypothesis tries several examples; the message shows the last one's hint only."""
    recorder = diagnosis.RECORDER
    recorder.reset()
    first = _explained("gd_step_ascent")
    second = _explained("mse_grad_missing_2")
    assert first and second and first != second
    assert recorder.recorded() == ["gd_step_ascent", "mse_grad_missing_2"]
    assert recorder.shown_in(f"failed{second}") == ["mse_grad_missing_2"]
    assert recorder.shown_in(f"failed{first}\n\nfailed{second}") == [
        "gd_step_ascent", "mse_grad_missing_2"]
    recorder.reset()


@pytest.mark.parametrize("case", list(WRONG_HINTS)[:1], ids=list(WRONG_HINTS)[:1])
def test_a_failure_without_a_hint_records_nothing(case):
    function, submission, args, kwargs, part, _ = WRONG_HINTS[case]
    diagnosis.RECORDER.reset()
    got = part(_call(submission, args, kwargs))
    assert diagnosis.explain(function, args, kwargs, got, submission) == ""
    assert diagnosis.explain(function, args, kwargs, got) == ""  # nothing to confirm with
    assert diagnosis.RECORDER.recorded() == []


def test_the_recorder_keeps_a_bounded_number_of_hints():
    recorder = diagnosis.MistakeRecorder()
    for i in range(recorder.MAX_HINTS + 50):
        recorder.record(f"\nThis matches a known mistake: number {i}.", [f"m{i}"])
    recorder.record("", ["empty"])
    recorder.record("a hint naming nothing", [])
    recorder.record("\nThis matches a known mistake: number 0.", ["m0", "again"])
    assert len(recorder.recorded()) == recorder.MAX_HINTS + 1
    assert recorder.shown_in("x: This matches a known mistake: number 0.") == ["m0", "again"]
    assert recorder.shown_in("") == [] and "empty" not in recorder.recorded()
