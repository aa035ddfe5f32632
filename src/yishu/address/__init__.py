"""The standard address engine (一标): parse, resolve divisions, match to the register, jurisdiction.

``default_parser().parse(text)`` labels elements (CCKS 2021 label set) with the shipped CRF model;
``resolve.resolve(text)`` fills province to community from the real divisions; an
``AddressRegister`` matches text to standard address codes (``match`` / ``match_many``) and gives
the jurisdiction of a code; ``similarity.same_place`` scores a pair of texts.
"""

from __future__ import annotations

from yishu.address.normalise import normalise
from yishu.address.parser import Element, Parser, default_parser
from yishu.address.register import AddressMatch, AddressRegister
from yishu.address.resolve import resolve
from yishu.address.similarity import same_place

__all__ = [
    "AddressMatch",
    "AddressRegister",
    "Element",
    "Parser",
    "default_parser",
    "normalise",
    "resolve",
    "same_place",
]
