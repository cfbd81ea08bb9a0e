"""Proof Key for Code Exchange (RFC 7636), S256 only."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets

_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")


def b64url(data: bytes) -> str:
    """base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def random_token(nbytes: int = 32) -> str:
    """A URL-safe random string from the platform CSPRNG (crypto.getRandomValues in Pyodide)."""
    return b64url(secrets.token_bytes(nbytes))


def generate_verifier() -> str:
    """A fresh 43-character verifier carrying 256 bits of entropy (RFC 7636 §4.1)."""
    return random_token(32)


def is_valid_verifier(verifier: str) -> bool:
    return isinstance(verifier, str) and bool(_VERIFIER.match(verifier))


def s256_challenge(verifier: str) -> str:
    """BASE64URL(SHA256(ASCII(verifier))) (RFC 7636 §4.2). There is no `plain` fallback."""
    if not is_valid_verifier(verifier):
        raise ValueError("a PKCE verifier is 43-128 unreserved characters")
    return b64url(hashlib.sha256(verifier.encode("ascii")).digest())
