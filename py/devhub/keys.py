"""devhub's signing keys and id_tokens, including deliberately defective ones."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from joserfc.jwk import RSAKey


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _json_b64(obj) -> str:
    return b64url(json.dumps(obj, separators=(",", ":")).encode())


class KeyRing:
    """One published RS256 key (in the JWKS) and one that is never published."""

    def __init__(self) -> None:
        self.key = self._new("devhub-1")
        self.previous: list[RSAKey] = []  # retired keys still published
        self.stray = self._new("devhub-unpublished")

    @staticmethod
    def _new(prefix: str) -> RSAKey:
        key = RSAKey.generate_key(2048)
        thumb = hashlib.sha256(key.as_dict(private=False)["n"].encode()).hexdigest()[:12]
        return RSAKey.import_key(key.as_dict(private=True), parameters={"kid": f"{prefix}-{thumb}", "use": "sig", "alg": "RS256"})

    def jwks(self) -> dict:
        return {"keys": [k.as_dict(private=False) for k in (self.key, *self.previous)]}

    def rotate(self, retire: bool = False) -> None:
        """A new signing key. The one before stays published (as providers keep a retired key
        while tokens signed by it live) unless ``retire``: then only the new one is."""
        self.previous = [] if retire else [self.key]
        self.key = self._new("devhub-1")

    def sign(self, header: dict, claims: dict, key: RSAKey | None = None) -> str:
        key = key or self.key
        signing_input = f"{_json_b64(header)}.{_json_b64(claims)}".encode()
        sig = key.private_key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input.decode()}.{b64url(sig)}"

    def id_token(self, claims: dict) -> str:
        return self.sign({"alg": "RS256", "kid": self.key.kid, "typ": "JWT"}, claims)

    def defective(self, claims: dict, defect: str) -> str:
        """An id_token with exactly one thing wrong (see faults.ID_TOKEN_DEFECTS)."""
        claims = dict(claims)
        header = {"alg": "RS256", "kid": self.key.kid, "typ": "JWT"}
        now = int(time.time())
        if defect == "bad_signature":
            token = self.sign(header, claims)
            head, _, sig = token.rpartition(".")
            raw = bytearray(base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4)))
            raw[len(raw) // 2] ^= 0x01
            return f"{head}.{b64url(bytes(raw))}"
        if defect == "alg_none":
            return f"{_json_b64({'alg': 'none', 'typ': 'JWT'})}.{_json_b64(claims)}."
        if defect == "hs256":
            # The classic confusion attack: HMAC keyed with the public key's PEM.
            from cryptography.hazmat.primitives import serialization

            secret = self.key.public_key.public_bytes(serialization.Encoding.PEM,
                                                      serialization.PublicFormat.SubjectPublicKeyInfo)
            h = {"alg": "HS256", "kid": self.key.kid, "typ": "JWT"}
            signing_input = f"{_json_b64(h)}.{_json_b64(claims)}".encode()
            return f"{signing_input.decode()}.{b64url(hmac.new(secret, signing_input, hashlib.sha256).digest())}"
        if defect == "unknown_kid":
            return self.sign({"alg": "RS256", "kid": self.stray.kid, "typ": "JWT"}, claims, self.stray)
        if defect == "no_kid":
            return self.sign({"alg": "RS256", "typ": "JWT"}, claims)
        if defect == "malformed":
            return self.sign(header, claims).rsplit(".", 1)[0]
        if defect == "crit":
            return self.sign({**header, "crit": ["exp"]}, claims)
        mutations = {
            "wrong_iss": lambda c: c.update(iss="https://evil.example"),
            "wrong_aud": lambda c: c.update(aud="someone-else"),
            "multi_aud_no_azp": lambda c: c.update(aud=[c["aud"], "someone-else"]),
            "aud_array": lambda c: c.update(aud=[c["aud"]]),
            "wrong_nonce": lambda c: c.update(nonce="not-the-nonce-you-sent"),
            "no_nonce": lambda c: c.pop("nonce", None),
            "expired": lambda c: c.update(iat=now - 7200, exp=now - 3600),
            "iat_old": lambda c: c.update(iat=now - 7 * 86400),
            "nbf_future": lambda c: c.update(nbf=now + 3600),
            "missing_sub": lambda c: c.pop("sub", None),
            "missing_iat": lambda c: c.pop("iat", None),
            "missing_exp": lambda c: c.pop("exp", None),
        }
        if defect not in mutations:
            raise ValueError(f"unknown id_token defect {defect!r}")
        mutations[defect](claims)
        return self.sign(header, claims)


def unverified_claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
