"""Compact JWS (RFC 7515) parsing and RS256 verification against a JWKS (RFC 7517).

Parsing and key selection are plain Python. The signature itself is checked
by a Verifier: WebCrypto in the browser, ``cryptography`` in CPython.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import Protocol

from . import jsonutil

ALLOWED_ALGS = frozenset({"RS256"})
MAX_TOKEN_LENGTH = 16384
_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")


class JWSError(ValueError):
    """A malformed or unacceptable JWS; the message says which rule failed."""


def b64url_decode(segment: str) -> bytes:
    if not isinstance(segment, str) or not _B64URL.match(segment) or len(segment) % 4 == 1:
        raise JWSError("bad base64url")
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


@dataclass(frozen=True)
class CompactJWS:
    header: dict
    payload: dict
    signing_input: bytes
    signature: bytes

    def __repr__(self) -> str:
        return f"CompactJWS(alg={self.header.get('alg')!r}, kid={self.header.get('kid')!r})"


def parse_compact(token: object) -> CompactJWS:
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise JWSError("not a compact JWS string")
    parts = token.split(".")
    if len(parts) != 3:
        raise JWSError("a JWS has exactly three parts")
    try:
        header = jsonutil.loads_object(b64url_decode(parts[0]))
        payload = jsonutil.loads_object(b64url_decode(parts[1]))
    except jsonutil.JSONError as exc:
        raise JWSError(f"header or payload is not a JSON object ({exc})") from None
    signature = b64url_decode(parts[2])
    if "crit" in header:
        raise JWSError("critical header extensions are not supported")
    if not isinstance(header.get("alg"), str):
        raise JWSError("missing alg")
    if "kid" in header and not isinstance(header["kid"], str):
        raise JWSError("kid is not a string")
    return CompactJWS(header, payload, f"{parts[0]}.{parts[1]}".encode("ascii"), signature)


def _rsa_key_ok(jwk: dict, alg: str) -> bool:
    if jwk.get("kty") != "RSA" or jwk.get("use", "sig") != "sig" or jwk.get("alg", alg) != alg:
        return False
    ops = jwk.get("key_ops")
    if ops is not None and (not isinstance(ops, list) or "verify" not in ops):
        return False
    try:
        n = int.from_bytes(b64url_decode(jwk.get("n")), "big")
        e = int.from_bytes(b64url_decode(jwk.get("e")), "big")
    except (JWSError, TypeError):
        return False
    return n.bit_length() >= 2048 and e >= 3 and e % 2 == 1


def select_key(jwks: object, kid: str | None, alg: str) -> dict | None:
    """The JWK to verify with: the one with ``kid``, or the only eligible key when
    the token names none. None when there is no (unambiguous) match."""
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    if not isinstance(keys, list):
        return None
    eligible = [k for k in keys if isinstance(k, dict) and _rsa_key_ok(k, alg)]
    if kid is not None:
        matches = [k for k in eligible if k.get("kid") == kid]
        return matches[0] if len(matches) == 1 else None
    return eligible[0] if len(eligible) == 1 else None


class Verifier(Protocol):
    async def verify_rs256(self, jwk: dict, signing_input: bytes, signature: bytes) -> bool: ...


class WebCryptoVerifier:
    """RSASSA-PKCS1-v1_5 with SHA-256 by the browser's own WebCrypto."""

    async def verify_rs256(self, jwk, signing_input, signature):
        import js
        from pyodide.ffi import JsException, to_js

        public = {"kty": "RSA", "n": jwk["n"], "e": jwk["e"], "alg": "RS256", "ext": True}
        algorithm = to_js({"name": "RSASSA-PKCS1-v1_5", "hash": "SHA-256"}, dict_converter=js.Object.fromEntries)
        try:
            key = await js.crypto.subtle.importKey(
                "jwk", to_js(public, dict_converter=js.Object.fromEntries), algorithm, False, to_js(["verify"])
            )
            return bool(await js.crypto.subtle.verify(algorithm, key, to_js(signature), to_js(signing_input)))
        except JsException:
            return False


class CryptographyVerifier:
    """The same check in CPython, with the ``cryptography`` package."""

    async def verify_rs256(self, jwk, signing_input, signature):
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding, rsa

        n = int.from_bytes(b64url_decode(jwk["n"]), "big")
        e = int.from_bytes(b64url_decode(jwk["e"]), "big")
        key = rsa.RSAPublicNumbers(e, n).public_key()
        try:
            key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return False
        return True
