"""Train the address tagger (a CRF, python-crfsuite) on the labelled corpora, reproducibly.

    python -m yishu.address.train --out src/yishu/address/model/crf.bin        # ship: all data
    python -m yishu.address.train --holdout 0.1 --seed 1 --out /tmp/crf.bin     # measure: 90/10

The corpora are ../shared/data/address (CCKS 2021 train; NAACL 2019 train and dev). With
``--holdout`` a seeded share of CCKS is kept out of training and the span F1 on it is printed.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import pycrfsuite

from yishu.address import corpus
from yishu.address.features import features

DEFAULT_DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "address"
PARAMS = {"c1": 0.05, "c2": 0.01, "max_iterations": 100, "feature.possible_transitions": True,
          "feature.minfreq": 2}  # fmt: skip


def train(examples, out: Path, params: dict | None = None) -> None:
    trainer = pycrfsuite.Trainer(verbose=False)
    for text, spans in examples:
        trainer.append(features(text), corpus.bio(text, spans))
    trainer.set_params({**PARAMS, **(params or {})})
    out.parent.mkdir(parents=True, exist_ok=True)
    trainer.train(str(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--holdout", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--iterations", type=int, default=PARAMS["max_iterations"])
    parser.add_argument(
        "--corpora",
        default="ccks",
        help="ccks, naacl or both (comma-separated); NAACL's conventions differ and cost CCKS F1 (0.860 with it, 0.896 without, held out)",
    )
    args = parser.parse_args()
    ccks = corpus.read(args.data / "ccks2021_train.conll")
    use = set(args.corpora.split(","))
    naacl = (corpus.read(args.data / "naacl2019_train.txt") + corpus.read(args.data / "naacl2019_dev.txt")
             if "naacl" in use else [])  # fmt: skip
    held: list = []
    if args.holdout:
        rng = random.Random(args.seed)
        order = list(range(len(ccks)))
        rng.shuffle(order)
        cut = int(len(ccks) * args.holdout)
        held = [ccks[i] for i in order[:cut]]
        ccks = [ccks[i] for i in order[cut:]]
    train(ccks + naacl, args.out, {"max_iterations": args.iterations})
    print(
        f"trained on {len(ccks) + len(naacl):,} addresses -> {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)"
    )
    if held:
        from yishu.address.evaluate import evaluate_examples
        from yishu.address.parser import Parser

        report = evaluate_examples(Parser(args.out), held)
        print(f"held-out CCKS ({len(held):,} addresses): P {report['overall']['precision']:.4f} "
              f"R {report['overall']['recall']:.4f} F1 {report['overall']['f1']:.4f}")  # fmt: skip


if __name__ == "__main__":
    main()
