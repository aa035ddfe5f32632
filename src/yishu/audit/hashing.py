"""SM3 (GB/T 32905-2016) and SHA-256.

SM3 comes from OpenSSL through ``hashlib`` when the linked OpenSSL provides it (3.0 and later do,
and it is fast C); otherwise from gmssl, a pure-Python implementation pinned in the dependencies.
Tests check both against the standard's test vectors and against each other.
"""

from __future__ import annotations

import hashlib

from gmssl import func as _gm_func
from gmssl import sm3 as _gm_sm3


def sm3_pure(data: bytes) -> str:
    """SM3 by gmssl (pure Python)."""
    return _gm_sm3.sm3_hash(_gm_func.bytes_to_list(data))


def _openssl_sm3() -> bool:
    try:
        return hashlib.new("sm3", b"abc").hexdigest().startswith("66c7f0f4")
    except (ValueError, TypeError):
        return False


HAVE_OPENSSL_SM3 = _openssl_sm3()


def sm3(data: bytes) -> str:
    if HAVE_OPENSSL_SM3:
        return hashlib.new("sm3", data).hexdigest()
    return sm3_pure(data)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


HASHES = {"sm3": sm3, "sha256": sha256}
