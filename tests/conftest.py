"""Shared fixtures: one small synthetic city per test session, built by package code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from yishu.synth import generate

CITY, PERSONS, SEED = "370600", 5000, 7


@pytest.fixture(scope="session")
def small_city(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("city") / "yantai"
    generate(CITY, PERSONS, SEED, out)
    return out


@pytest.fixture(scope="session")
def manifest(small_city) -> dict:
    return json.loads((small_city / "manifest.json").read_text(encoding="utf-8"))


SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


@pytest.fixture(scope="session")
def shared() -> Path:
    """../shared beside the checkout (reference data); $YISHU_SHARED overrides. CI always has it;
    elsewhere a test that needs it is skipped when it is missing."""
    import os

    path = Path(os.environ.get("YISHU_SHARED") or SHARED)
    if not (path / "data").is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{path}: the shared reference data is missing in CI")
        pytest.skip(f"{path}: the shared reference data is not beside this checkout")
    return path
