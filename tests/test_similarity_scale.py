"""The similarity check at scale (autograder/classroom/reports/similarity.py): the
fingerprint index flags the same pairs as the all-pairs comparison on a synthetic class,
class-common code is left out, the tokenised code is cached, pairs are joined in groups."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from synthetic_class import make_class

from autograder.classroom.reports import similarity
from autograder.classroom.reports.similarity import (
    SimilaritySettings,
    find_similar,
    find_similar_all_pairs,
    similar_groups,
)
from autograder.config import ConfigError, parse_config


def flagged(report: similarity.SimilarityReport) -> set[frozenset[str]]:
    return {frozenset((p.a, p.b)) for p in report.pairs}


@pytest.fixture(scope="module")
def klass():
    return make_class(24, seed=3, copy_share=0.25)


def test_the_index_flags_what_all_pairs_flags(klass) -> None:
    indexed = find_similar(klass.sources)
    full = find_similar_all_pairs(klass.sources)
    assert klass.copied_from, "the class has planted copies"
    assert flagged(indexed) == flagged(full) == klass.planted_pairs()
    assert indexed.full_comparisons < full.full_comparisons  # fewer full comparisons
    # class-common code (here: in more than 10 of the 24) is left out of the shares too
    assert indexed.common_fingerprints > 0
    assert all(p.similarity > 0.9 for p in indexed.pairs)
    assert {g.members for g in indexed.groups} == {g.members for g in full.groups}


def test_fingerprints_are_copydetects(klass) -> None:
    """similarity._print makes the fingerprints copydetect makes: the same hashes, the same
    positions of each, the same coverage, with and without starter code and class-common
    fingerprints left out (every file of the synthetic class, the variants, the solutions,
    the stub)."""
    import numpy as np
    from copydetect.utils import get_document_fingerprints, get_token_coverage

    from autograder import paths

    repo = Path(__file__).resolve().parents[1]
    files = [*klass.sources.values(), paths.SOLUTIONS_HW.read_text(encoding="utf-8"),
             paths.STUDENT_HW.read_text(encoding="utf-8"), "x = 1\n",
             *(p.read_text(encoding="utf-8") for p in sorted((repo / "tests" / "variants")
                                                              .glob("*.py")))]
    stub = paths.STUDENT_HW.read_text(encoding="utf-8")
    starter = np.array(sorted(similarity._print(stub, similarity._tokenise(stub),
                                                np.zeros(0, dtype=np.int64)).hashes),
                       dtype=np.int64)
    for source in files:
        tokens = similarity._tokenise(source)
        for excluded in (np.zeros(0, dtype=np.int64), starter):
            hashes, idx = get_document_fingerprints(tokens[0], similarity.NOISE_TOKENS, 1,
                                                    excluded)
            dropped = frozenset(sorted(hashes)[::3])
            for drop in (frozenset(), dropped):
                want = {int(h): [int(i) for i in v] for h, v in idx.items() if h not in drop}
                got = similarity._print(source, tokens, excluded, drop)
                assert {h: v.tolist() for h, v in got.hash_idx.items()} == want
                assert got.hashes == set(want)
                assert got.positions.tolist() == sorted(i for v in want.values() for i in v)
                assert got.token_coverage == get_token_coverage(
                    {h: v for h, v in idx.items() if h not in drop}, similarity.NOISE_TOKENS,
                    len(tokens[0]))


def test_a_rerun_tokenises_nothing(klass, tmp_path: Path, monkeypatch) -> None:
    cache = tmp_path / "fingerprints.json"
    first = find_similar(klass.sources, cache=cache)
    assert cache.is_file()
    calls = []
    monkeypatch.setattr(similarity, "_tokenise", lambda s: calls.append(s) or ("", []))
    again = find_similar(klass.sources, cache=cache)
    assert calls == [] and flagged(again) == flagged(first)
    changed = dict(klass.sources)
    changed["new"] = "def f(x):\n    return x + 1\n"
    find_similar(changed, cache=cache)
    assert calls == [changed["new"]]  # only the new file


def test_code_in_most_of_a_large_class_is_class_common() -> None:
    shared = "import numpy as np\n\n" + "\n".join(
        f"def g{i}(x):\n    y = np.asarray(x) * {i} + np.sum(x, axis=0)\n    return y - {i}\n"
        for i in range(40))
    sources = {f"s{k:02d}": shared + f"\n\ndef own(x):\n    return x ** {k}\n" for k in range(30)}
    everyone = find_similar(sources, SimilaritySettings(boilerplate=()))
    assert everyone.pairs == [] and everyone.common_fingerprints > 0
    assert len(find_similar_all_pairs(sources, SimilaritySettings(boilerplate=())).pairs) == 435
    # in a class of 10 (at most COMMON_FLOOR holders) nothing is class-common
    small = find_similar(dict(list(sources.items())[:10]), SimilaritySettings(boilerplate=()))
    assert len(small.pairs) == 45 and small.common_fingerprints == 0


def test_groups_are_connected_components() -> None:
    P = similarity.SimilarPair
    pairs = [P("a", "b", 1, 1, 500, "", ""), P("c", "d", 1, 1, 500, "", ""),
             P("b", "e", 1, 1, 500, "", "")]
    groups = similar_groups(pairs)
    assert [(g.members, g.pairs) for g in groups] == [(("a", "b", "e"), (1, 3)),
                                                      (("c", "d"), (2,))]


def test_common_share_is_validated(raw_config) -> None:
    data = copy.deepcopy(raw_config)
    data["similarity"] = {"common_share": 0.2}
    assert parse_config(data).similarity.common_share == 0.2
    for bad in (0, 1.5, "0.1"):
        data["similarity"] = {"common_share": bad}
        with pytest.raises(ConfigError, match="common_share"):
            parse_config(data)


@pytest.fixture
def raw_config() -> dict:
    import tomllib

    from autograder import paths

    return tomllib.loads(paths.ASSIGNMENT_TOML.read_text(encoding="utf-8"))
