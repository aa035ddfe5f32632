"""Half-width text: the one character folding every standard applies before it reads a value.

Full-width ASCII (U+FF01-U+FF5E) becomes ASCII, the ideographic space U+3000 and the no-break space
U+00A0 become a space. Nothing else is folded, so the SQL form (``translate`` with the same two
strings) gives exactly the same result. Whitespace means ASCII space, tab, CR and LF only.
"""

from __future__ import annotations

import re

FULLWIDTH = "".join(chr(c) for c in range(0xFF01, 0xFF5F)) + "\u3000\u00a0"
HALFWIDTH = "".join(chr(c) for c in range(0x21, 0x7F)) + "  "
_TABLE = str.maketrans(FULLWIDTH, HALFWIDTH)
WHITESPACE = " \t\r\n"
_EDGES = re.compile(r"^[ \t\r\n]+|[ \t\r\n]+$")


def halfwidth(text: str) -> str:
    """Full-width ASCII and wide spaces to their ASCII forms."""
    return text.translate(_TABLE)


def clean(text: str) -> str:
    """Half-width, with leading and trailing whitespace removed."""
    return _EDGES.sub("", halfwidth(text))
