"""Parse Chinese address text into labelled elements with the shipped CRF model.

``Parser().parse(text)`` gives ``Element(label, text, start, end)`` spans (character offsets into
the text as given); ``parse_many`` caches repeated strings, as deliveries repeat addresses."""

from __future__ import annotations

import functools
from importlib import resources
from itertools import repeat
from operator import getitem
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pycrfsuite

from yishu.address.corpus import spans_from_bio
from yishu.address.features import features

MODEL = "crf.bin"


class Element(NamedTuple):
    """A labelled span of an address: ``text`` is ``address[start:end]``."""

    label: str
    text: str
    start: int
    end: int

    def as_dict(self) -> dict:
        return {"label": self.label, "text": self.text, "start": self.start, "end": self.end}


def model_path() -> Path:
    path = Path(str(resources.files("yishu.address").joinpath("model", MODEL)))
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: the address model is missing; train it with python -m yishu.address.train"
        )
    return path


class Parser:
    def __init__(self, path: str | Path | None = None, cache_size: int = 200_000):
        self.tagger = pycrfsuite.Tagger()
        self.tagger.open(str(path or model_path()))
        self._cached = functools.lru_cache(maxsize=cache_size)(self._parse)
        self._decoder = None

    def _parse(self, text: str) -> tuple[Element, ...]:
        if not text:
            return ()
        tags = self.tagger.tag(features(text))
        return tuple(Element(label, text[s:e], s, e) for label, s, e in spans_from_bio(tags))

    def parse(self, text: str) -> tuple[Element, ...]:
        return self._cached(text)

    def parse_many(self, texts) -> list[tuple[Element, ...]]:
        """Parse a batch: distinct texts are tagged together by the numpy decoder (crfsuite's labels,
        faster in bulk) and repeated strings are parsed once."""
        texts = list(texts)
        distinct = [t for t in dict.fromkeys(texts) if t]
        if len(distinct) < 64:
            return [self._cached(t) if t else () for t in texts]
        if self._decoder is None:
            from yishu.address.decoder import Decoder

            self._decoder = Decoder(self.tagger)
        labels, offsets = self._decoder.decode(distinct)
        which, label, start, end = self._decoder.spans(labels, offsets)
        pieces = map(getitem, map(distinct.__getitem__, which.tolist()), map(slice, start, end))
        elements = list(map(tuple.__new__, repeat(Element), zip(label, pieces, start, end, strict=True)))
        bounds = np.searchsorted(which, np.arange(len(distinct) + 1)).tolist()
        parsed = {t: tuple(elements[a:b]) for t, a, b in zip(distinct, bounds, bounds[1:], strict=False)}
        return [parsed.get(t, ()) for t in texts]


@functools.lru_cache(maxsize=1)
def default_parser() -> Parser:
    return Parser()
