"""The batch decoder against crfsuite, and its parts against plain-Python oracles."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from yishu.address import corpus, gazetteer, viterbi
from yishu.address.features import features
from yishu.address.parser import default_parser

ODD = [
    "Ａ座１２３号",  # full width: NFKC
    "ﬁ路３号",  # a ligature NFKC turns into two characters
    "𠀀路12号",  # outside the BMP
    "^^$$",  # the padding characters inside a text
    "一",
    "x",
    "黄石港区花湖街道华山大道1号",  # a division name before 大道
    "河北路江南大道下城区玉环县",  # names before road words, names inside longer names
    "杭州市西湖区",
    "3-2-1502",
    "浙江省 杭州市\t余杭区",
]


@pytest.fixture(scope="module")
def ccks(shared) -> list[str]:
    texts = [t for t, _s in corpus.read(shared / "data" / "address" / "ccks2021_train.conll")]
    return random.Random(5).sample(texts, 3000)


@pytest.mark.parametrize("dense", [0, viterbi.DENSE])
def test_decoder_labels_are_crfsuites_on_3000_ccks_addresses(ccks, dense, monkeypatch):
    monkeypatch.setattr(viterbi, "DENSE", dense)
    parser = default_parser()
    parser.parse_many(["芝罘区南大街100号"] * 70 + ccks[:70])  # builds the decoder
    decoder = parser._decoder
    texts = [*ccks, *ODD, "".join(ccks[:20]), "".join(ccks[20:60])]  # and 300 and 700 characters
    tagged = decoder.tag_many(texts)
    want = [parser.tagger.tag(features(t)) for t in texts]
    assert [i for i, (a, b) in enumerate(zip(tagged, want, strict=True)) if a != b] == []
    assert decoder.uncertified < 10  # the certificate settles (nearly) every path without crfsuite
    batch = parser.parse_many([*texts, "", texts[0]])
    assert batch[-2] == () and batch[-1] == batch[0]
    assert batch[:-2] == [parser._parse(t) for t in texts]


def test_decoder_falls_back_to_crfsuite_for_paths_it_cannot_certify(ccks, monkeypatch):
    parser = default_parser()
    parser.parse_many(ccks[:100])
    decoder = parser._decoder
    texts = ccks[:200]
    monkeypatch.setattr(viterbi, "TOLERANCE", 1e9)  # no margin is enough: every path goes to crfsuite
    tagged = decoder.tag_many(texts)
    assert decoder.uncertified == len(texts)
    assert tagged == [parser.tagger.tag(features(t)) for t in texts]


def _brute_force(emissions: np.ndarray, transitions: np.ndarray) -> tuple[list[int], float]:
    """The best path by enumeration, and its lead over the second-best path."""
    scores = []
    for path in itertools.product(range(transitions.shape[0]), repeat=emissions.shape[1]):
        s = sum(emissions[y, t] for t, y in enumerate(path))
        s += sum(transitions[a, b] for a, b in itertools.pairwise(path))
        scores.append((s, path))
    scores.sort(key=lambda x: -x[0])
    return list(scores[0][1]), scores[0][0] - scores[1][0]


@pytest.mark.parametrize("dense", [0, 1000])  # the sparse step, and the dense one for few sequences
@pytest.mark.parametrize("zeros", [0.0, 0.5, 0.9, 1.0])
def test_viterbi_finds_the_best_path_by_enumeration(zeros, dense, monkeypatch):
    monkeypatch.setattr(viterbi, "DENSE", dense)
    rng = np.random.default_rng(7)
    size = 4
    for _trial in range(30):
        transitions = rng.normal(0, 2, (size, size)) * (rng.random((size, size)) >= zeros)
        lengths = rng.integers(1, 5, rng.integers(1, 7))
        emissions = [rng.normal(0, 2, (size, n)) for n in lengths]
        order, slot_of = viterbi.layout(lengths)
        joined = np.concatenate(emissions, axis=1)  # the first half in one table, the rest in another
        half = joined / 2
        index = np.empty_like(slot_of)
        index[slot_of] = np.arange(len(slot_of))
        parts = [(half.T, index), ((joined - half).T, index)]
        paths, certified = viterbi.Viterbi(transitions).decode(parts, lengths[order])
        got = np.split(paths[slot_of], np.cumsum(lengths)[:-1])
        for k, e in enumerate(emissions):
            best, lead = _brute_force(e, transitions)
            assert got[k].tolist() == best
            if not certified[list(order).index(k)]:
                assert lead < 1e-3  # a path is left uncertified only near a tie


def test_viterbi_leaves_a_tie_uncertified():
    transitions = np.zeros((3, 3))
    emissions = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 2.0]])  # labels 0 and 1 tie at the start
    order, slot_of = viterbi.layout(np.array([2]))
    parts = [(emissions.T, np.argsort(slot_of))]
    paths, certified = viterbi.Viterbi(transitions).decode(parts, np.array([2]))
    assert paths[slot_of].tolist() == [0, 2]  # crfsuite's rule: the first of the best
    assert certified.tolist() == [False]


def test_batch_matcher_finds_what_matches_finds(ccks):
    texts = [*ccks[:1500], *ODD]
    joined = "^^" + "$$^^".join(texts) + "$$"
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    start, end, bits = gazetteer.BatchMatcher().matches(codes)
    want, base = set(), 2
    for t in texts:
        for s, e, _name, values in gazetteer.matches(t):
            want.add((base + s, base + e, sum({gazetteer.LABEL_BIT[label] for label, _c in values})))
        base += len(t) + 4
    assert set(zip(start.tolist(), end.tolist(), bits.tolist(), strict=True)) == want
    assert len(start) == len(want) > 3000


def test_batches_without_a_division_name():
    parser = default_parser()
    texts = [f"room {i}" for i in range(70)]  # no character of any division name
    assert parser.parse_many(texts) == [parser._parse(t) for t in texts]
    assert [len(a) for a in gazetteer.BatchMatcher().matches(np.zeros(0, dtype=np.int64))] == [0, 0, 0]


def test_hash_table_maps_every_key_and_nothing_else():
    rng = np.random.default_rng(3)
    keys = np.unique(rng.integers(0, 2**40, 5000))
    values = rng.integers(1, 10**6, len(keys))
    table = gazetteer.HashTable(keys, values)
    assert table.get(keys).tolist() == values.tolist()
    others = np.setdiff1d(rng.integers(0, 2**40, 5000), keys)
    assert not table.get(others).any()


def test_vectorised_spans_are_spans_from_bio():
    parser = default_parser()
    parser.parse_many([f"芝罘区南大街{i}号" for i in range(70)])
    decoder = parser._decoder
    rng = random.Random(11)
    pool = [decoder.labels.index(t) for t in ("O", "B-road", "I-road", "B-poi", "I-poi", "I-town")]
    seqs = [[rng.choice(pool) for _ in range(rng.randint(1, 8))] for _ in range(500)]
    offsets = np.concatenate([[0], np.cumsum([len(s) for s in seqs])])
    which, label, start, end = decoder.spans(np.concatenate(seqs), offsets)
    got = [[] for _ in seqs]
    for k, lab, s, e in zip(which.tolist(), label, start, end, strict=True):
        got[k].append((lab, s, e))
    assert got == [corpus.spans_from_bio([decoder.labels[i] for i in s]) for s in seqs]


def test_same_place_features_against_plain_definitions():
    from yishu.address import similarity

    rng = random.Random(13)
    alphabet = "东湖小区栋单元室0123"
    for _ in range(300):
        a = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        b = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        common = [n for n in range(1, len(a) + 1) for i in range(len(a) - n + 1) if a[i : i + n] in b]
        assert similarity._longest_run(a, b) == max(common, default=0)
        f = similarity.features(a, b)
        assert len(f) == len(similarity.FEATURES) == len(similarity.WEIGHTS) and f[0] == 1.0
        assert all(0.0 <= x <= 1.0 for x in f)
        assert f[4] == max(common, default=0) / min(len(a), len(b))


def test_decoder_labels_are_crfsuites_on_perturbed_addresses(ccks):
    """CCKS addresses with odd characters inserted (full width, ligatures, emoji, outside the BMP,
    the padding characters), and short strings of them alone."""
    parser = default_parser()
    rng = random.Random(3)
    odd = [
        *"0123456789abcXYZ-_/#()（）．，、　 ^$省市区县镇路号栋单元室村组",
        "ﬁ",
        "①",
        "Ⅻ",
        "😀",
        "𠀀",
        "ｱ",
        "²",
    ]
    texts = []
    for base in ccks[:1500]:
        chars = list(base)
        for _ in range(rng.randint(0, 4)):
            chars.insert(rng.randint(0, len(chars)), rng.choice(odd))
        texts.append("".join(chars))
    texts += ["".join(rng.choice(odd) for _ in range(rng.randint(1, 10))) for _ in range(300)]
    assert parser.parse_many(texts) == [parser._parse(t) for t in texts]
