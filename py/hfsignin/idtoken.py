"""ID Token validation (OpenID Connect Core 1.0 §3.1.3.7), every rule a named check."""

from __future__ import annotations

import hmac
import math
from collections.abc import Awaitable, Callable

from .errors import INVALID_ID_TOKEN, SignInError
from .jws import ALLOWED_ALGS, JWSError, Verifier, parse_compact, select_key

CLOCK_SKEW = 120  # seconds of disagreement tolerated between the browser and the provider
MAX_IAT_AGE = 3600  # an id_token fresh from the token endpoint was issued moments ago


def _reject(why: str) -> SignInError:
    return SignInError(INVALID_ID_TOKEN, f"The sign-in could not be verified: the ID token {why}.")


def _number(claims: dict, name: str, required: bool) -> float | None:
    value = claims.get(name)
    if value is None:
        if required:
            raise _reject(f"has no '{name}'")
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _reject(f"has a non-numeric '{name}'")
    return float(value)


def validate_claims(claims: dict, *, issuer: str, client_id: str, nonce: str, now: float) -> dict:
    """Check iss, aud/azp, exp/iat/nbf, nonce and sub. Returns the claims."""
    if claims.get("iss") != issuer:
        raise _reject("was issued by someone else")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub or len(sub) > 255:
        raise _reject("has no valid subject")
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud
    if not isinstance(audiences, list) or not audiences or not all(isinstance(a, str) for a in audiences):
        raise _reject("has no valid audience")
    if client_id not in audiences:
        raise _reject("was issued for another application")
    azp = claims.get("azp")
    if len(audiences) > 1 and azp is None:
        raise _reject("has several audiences but no authorized party")
    if azp is not None and azp != client_id:
        raise _reject("was issued for another authorized party")
    exp = _number(claims, "exp", True)
    iat = _number(claims, "iat", True)
    nbf = _number(claims, "nbf", False)
    if exp <= now - CLOCK_SKEW:
        raise _reject("has expired")
    if iat > now + CLOCK_SKEW or iat < now - MAX_IAT_AGE - CLOCK_SKEW:
        raise _reject("has an implausible issue time")
    if nbf is not None and nbf > now + CLOCK_SKEW:
        raise _reject("is not valid yet")
    got = claims.get("nonce")
    if not isinstance(got, str) or not hmac.compare_digest(got.encode(), nonce.encode()):
        raise _reject("does not belong to this sign-in (nonce mismatch)")
    return claims


async def verify_signature(
    token: str,
    *,
    advertised_algs: tuple[str, ...],
    get_jwks: Callable[[bool], Awaitable[dict]],
    verifier: Verifier,
) -> dict:
    """Parse the JWS and check its RS256 signature; returns the payload.

    The alg must be in our allow-list and advertised by the provider (never
    ``none``, never HMAC). The key is the JWKS entry with the token's ``kid``;
    an unknown ``kid`` triggers exactly one JWKS re-fetch (key rotation).
    """
    try:
        jws = parse_compact(token)
    except JWSError as exc:
        raise _reject(f"is malformed ({exc})") from None
    alg = jws.header["alg"]
    if alg not in ALLOWED_ALGS or alg not in advertised_algs:
        raise _reject(f"uses a signature algorithm that is not accepted ({alg[:16]})")
    kid = jws.header.get("kid")
    key = select_key(await get_jwks(False), kid, alg)
    if key is None and kid is not None:
        key = select_key(await get_jwks(True), kid, alg)
    if key is None:
        raise _reject("is signed with a key the provider does not publish")
    if not await verifier.verify_rs256(key, jws.signing_input, jws.signature):
        raise _reject("has an invalid signature")
    return jws.payload


async def validate_id_token(
    token: str,
    *,
    issuer: str,
    client_id: str,
    nonce: str,
    now: float,
    advertised_algs: tuple[str, ...],
    get_jwks: Callable[[bool], Awaitable[dict]],
    verifier: Verifier,
) -> dict:
    """Signature first, then claims; returns the validated claims."""
    claims = await verify_signature(token, advertised_algs=advertised_algs, get_jwks=get_jwks, verifier=verifier)
    return validate_claims(claims, issuer=issuer, client_id=client_id, nonce=nonce, now=now)
