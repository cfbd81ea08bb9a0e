"""Signing helpers for tests: an RSA key pair, its JWK, compact JWS."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jb64(obj) -> str:
    return b64(json.dumps(obj).encode())


class Signer:
    def __init__(self, kid: str = "k1", bits: int = 2048) -> None:
        self.kid = kid
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        numbers = self.key.public_key().public_numbers()
        self.jwk = {"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
                    "n": b64(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
                    "e": b64(numbers.e.to_bytes(3, "big"))}

    def sign(self, claims: dict, header: dict | None = None) -> str:
        header = header if header is not None else {"alg": "RS256", "kid": self.kid, "typ": "JWT"}
        signing_input = f"{jb64(header)}.{jb64(claims)}".encode()
        sig = self.key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input.decode()}.{b64(sig)}"

    def hs256_with_public_pem(self, claims: dict) -> str:
        from cryptography.hazmat.primitives import serialization

        pem = self.key.public_key().public_bytes(serialization.Encoding.PEM,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)
        signing_input = f"{jb64({'alg': 'HS256', 'kid': self.kid})}.{jb64(claims)}".encode()
        return f"{signing_input.decode()}.{b64(hmac.new(pem, signing_input, hashlib.sha256).digest())}"
