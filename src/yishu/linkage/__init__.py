"""Entity resolution (实体解析): people, organisations and houses, with stable ids.

``prepare.prepare_city`` builds the conformed record tables (schema in ``records``) from a synthetic
city; ``link.link`` links them (valid keys, key repair, Splink for the keyless, clusters, stable ids)
and writes ``link_result``; ``link.explain`` says why a record belongs to its entity;
``evaluate.evaluate`` measures pairwise and cluster precision, recall and F1 against the truth.
"""

from __future__ import annotations

from yishu.linkage.evaluate import evaluate
from yishu.linkage.link import LinkResult, explain, link
from yishu.linkage.prepare import prepare_city

__all__ = ["LinkResult", "evaluate", "explain", "link", "prepare_city"]
