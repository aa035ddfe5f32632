"""Message catalogues: one JSON file per language in ``i18n/``, Simplified Chinese by default.

Keys are dotted names (``nav.home``); both catalogues hold the same keys (a test checks). A
missing key is an error, not a silent fallback, so an untranslated label cannot ship.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

LANGUAGES = ("zh", "en")
DEFAULT = "zh"
COOKIE = "yishu_lang"
HTML_LANG = {"zh": "zh-CN", "en": "en"}


@cache
def catalogue(lang: str) -> dict[str, str]:
    if lang not in LANGUAGES:
        raise KeyError(f"no message catalogue for language {lang!r}")
    text = resources.files("yishu.console").joinpath("i18n", f"{lang}.json").read_text(encoding="utf-8")
    return json.loads(text)


def pick(value: str | None) -> str:
    """The language asked for if it is one we have, else the default (Chinese)."""
    return value if value in LANGUAGES else DEFAULT


class Translator:
    """``t("nav.home")`` or ``t("home.deliveries_count", n=3)`` in one language."""

    def __init__(self, lang: str):
        self.lang = pick(lang)
        self.messages = catalogue(self.lang)

    def __call__(self, key: str, /, **values) -> str:
        try:
            text = self.messages[key]
        except KeyError:
            raise KeyError(f"message {key!r} is missing from i18n/{self.lang}.json") from None
        return text.format(**values) if values else text

    def get(self, key: str, default: str) -> str:
        """For open-ended codes (a reason code, a status): the label if there is one, else ``default``."""
        return self.messages.get(key, default)
