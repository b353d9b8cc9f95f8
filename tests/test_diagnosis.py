"""diagnose(): names each catalogued mistake from its own output, never a wrong one."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from autograder import diagnosis
from autograder.diagnosis import close_enough, diagnose, mistake_function, reference_module
from autograder.mistakes import MISTAKES, Mistake, by_function, part4, part6
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
    hints = diagnose(mistake.function, args, kwargs, out)
    assert mistake.explanation in hints
    # every other claimed mistake must really produce the same output on this input
    for other in by_function(mistake.function):
        if other.explanation in hints:
            assert close_enough(out, _call(mistake_function(other), args, kwargs)), other.id


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
    assert mistake.explanation in diagnose(mistake.function, args, kwargs, out[wrong[0]])


@pytest.mark.parametrize("function", sorted(PROBES))
def test_reference_output_is_never_diagnosed(function):
    reference = getattr(reference_module(), function)
    for probe in PROBES[function]:
        args, kwargs = probe()
        assert diagnose(function, args, kwargs, _call(reference, args, kwargs)) == []


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
    for got in GARBAGE:
        assert diagnose(function, args, kwargs, got) == []
    for number in (3, float("nan"), -1e300):  # may legitimately match (e.g. floor(10 / 3))
        assert isinstance(diagnose(function, args, kwargs, number), list)
    # garbage inputs too: the mistakes may fail, diagnose must not
    assert diagnose(function, ("not an array",), {"bogus": 1}, None) == []
    assert diagnose("no_such_function", args, kwargs, None) == []


def test_diagnose_leaves_inputs_and_global_random_state_alone():
    args, kwargs = PROBES["minibatch_indices"][0]()
    state = np.random.get_state()[1].copy()
    x = np.array([[0.3, -0.2], [0.1, 0.4]])
    diagnose("numerical_gradient", (PROBES["numerical_gradient"][0]()[0][0], x), {}, x)
    diagnose("minibatch_indices", args, kwargs, [np.arange(10)])
    assert np.array_equal(x, [[0.3, -0.2], [0.1, 0.4]])
    assert np.array_equal(np.random.get_state()[1], state)


def test_huge_inputs_are_not_diagnosed_and_stay_fast():
    z = np.zeros((diagnosis.MAX_ELEMENTS + 1,))
    assert diagnose("softmax", (z,), {}, np.exp(z) / z.size) == []


def test_indistinguishable_mistake_is_not_claimed():
    # softmax without the max shift equals the reference on small logits: no claim there
    z = np.array([[0.5, -0.5, 1.0]])
    got = _call(reference_module().softmax, (z,), {})
    assert diagnose("softmax", (z,), {}, got) == []


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
