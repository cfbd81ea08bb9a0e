"""ID Token validation (OpenID Connect Core 1.0 §3.1.3.7 and, for refreshes, §12.2),
every rule a named check with its own ``reason``."""

from __future__ import annotations

import hmac
import math
from collections.abc import Awaitable, Callable

from .errors import INVALID_ID_TOKEN, KEYS_UNAVAILABLE, SignInError
from .jws import ALLOWED_ALGS, JWSError, Verifier, parse_compact, select_key

CLOCK_SKEW = 120  # seconds of disagreement tolerated between the browser and the provider
MAX_IAT_AGE = 3600  # an id_token fresh from the token endpoint was issued moments ago

# How a session's ID token came to be trusted (``Session.trust``; docs/security.md has the table):
# SIGNATURE: checked against the provider's published key. TLS (OIDC Core §3.1.3.7 (6)): it came
# straight from the token endpoint in this very exchange or refresh, and the key set gave no HTTP
# answer at all (as when it has no CORS headers); every claim still checked. USERINFO: a stored or
# handed-over token whose keys gave no answer: its claims are not used, only what userinfo proved
# (the subject). UNVERIFIED: never derived (a Session built by hand).
SIGNATURE, TLS, USERINFO, UNVERIFIED = "signature", "tls", "userinfo", "unverified"


def _reject(why: str, reason: str, detail: str = "") -> SignInError:
    return SignInError(INVALID_ID_TOKEN, f"The sign-in could not be verified: the ID token {why}.",
                       reason=reason, detail=detail)


def _number(claims: dict, name: str, required: bool) -> float | None:
    value = claims.get(name)
    if value is None:
        if required:
            raise _reject(f"has no '{name}'", name)
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _reject(f"has a non-numeric '{name}'", name)
    return float(value)


def _check_audience(claims: dict, client_id: str) -> None:
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud
    if not isinstance(audiences, list) or not audiences or not all(isinstance(a, str) for a in audiences):
        raise _reject("has no valid audience", "aud")
    if client_id not in audiences:
        raise _reject("was issued for another application", "aud")
    azp = claims.get("azp")
    if len(audiences) > 1 and azp is None:
        raise _reject("has several audiences but no authorized party", "azp")
    if azp is not None and azp != client_id:
        raise _reject("was issued for another authorized party", "azp")


def _check_times(claims: dict, now: float) -> None:
    exp = _number(claims, "exp", True)
    iat = _number(claims, "iat", True)
    nbf = _number(claims, "nbf", False)
    if exp <= now - CLOCK_SKEW:
        raise _reject("has expired", "exp")
    if iat > now + CLOCK_SKEW or iat < now - MAX_IAT_AGE - CLOCK_SKEW:
        raise _reject("has an implausible issue time", "iat")
    if nbf is not None and nbf > now + CLOCK_SKEW:
        raise _reject("is not valid yet", "nbf")


def _same_nonce(got: object, nonce: str) -> bool:
    return isinstance(got, str) and hmac.compare_digest(got.encode(), nonce.encode())


def validate_claims(claims: dict, *, issuer: str, client_id: str, nonce: str, now: float) -> dict:
    """Check iss, sub, aud/azp, exp/iat/nbf and nonce. Returns the claims."""
    if claims.get("iss") != issuer:
        raise _reject("was issued by someone else", "iss")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub or len(sub) > 255:
        raise _reject("has no valid subject", "sub")
    _check_audience(claims, client_id)
    _check_times(claims, now)
    if not _same_nonce(claims.get("nonce"), nonce):
        raise _reject("does not belong to this sign-in (nonce mismatch)", "nonce")
    return claims


def validate_stored_claims(claims: dict, *, issuer: str, sub: str, client_id: str) -> dict:
    """A stored id_token (a restored session, or one another tab hands over): still this
    provider's, this account's and this app's. Its age does not matter: the session's access
    token proves itself at userinfo."""
    if claims.get("iss") != issuer:
        raise _reject("was issued by someone else", "iss")
    if claims.get("sub") != sub:
        raise _reject("names another account than your sign-in", "sub")
    _check_audience(claims, client_id)
    return claims


def validate_refreshed_claims(claims: dict, first: dict, *, client_id: str, now: float) -> dict:
    """An id_token from a refresh (OIDC Core §12.2): the same iss, sub and audience as the
    first one, fresh times, a nonce only if it equals the first one's, the same auth_time. (A
    session trusted by userinfo alone keeps no nonce or auth_time to compare with.)"""
    if claims.get("iss") != first.get("iss"):
        raise _reject("was issued by someone else", "iss")
    if claims.get("sub") != first.get("sub"):
        raise _reject("names another account than your sign-in", "sub")
    _check_audience(claims, client_id)
    _check_times(claims, now)
    if "nonce" in claims and "nonce" in first and not _same_nonce(claims["nonce"], str(first["nonce"])):
        raise _reject("does not belong to this sign-in (nonce mismatch)", "nonce")
    if "auth_time" in first and claims.get("auth_time", first["auth_time"]) != first["auth_time"]:
        raise _reject("says you signed in at another time", "auth_time")
    return claims


async def verify_signature(
    token: str,
    *,
    advertised_algs: tuple[str, ...],
    get_jwks: Callable[[bool], Awaitable[dict]],
    verifier: Verifier,
    allow_tls: bool = False,
) -> tuple[dict, str]:
    """Parse the JWS and check its RS256 signature; returns the payload and how it is trusted.

    The alg must be in our allow-list and advertised by the provider (never
    ``none``, never HMAC). The key is the JWKS entry with the token's ``kid``;
    an unknown ``kid`` triggers exactly one JWKS re-fetch (key rotation). With
    ``allow_tls`` (a token straight from the token endpoint) a key set that
    cannot be fetched at the network level means TLS trust; an HTTP error from
    it still fails closed.
    """
    try:
        jws = parse_compact(token)
    except JWSError as exc:
        raise _reject("is malformed", "malformed", detail=str(exc)) from None
    alg = jws.header["alg"]
    if alg not in ALLOWED_ALGS or alg not in advertised_algs:
        raise _reject("uses a signature algorithm that is not accepted", "alg", detail=alg)
    if not jws.signature:
        raise _reject("has no signature", "signature")
    kid = jws.header.get("kid")
    try:
        key = select_key(await get_jwks(False), kid, alg)
        if key is None and kid is not None:
            key = select_key(await get_jwks(True), kid, alg)
    except SignInError as exc:
        if allow_tls and exc.code == KEYS_UNAVAILABLE and exc.status is None:
            return jws.payload, TLS
        raise
    if key is None:
        raise _reject("is signed with a key the provider does not publish", "unknown_key")
    if not await verifier.verify_rs256(key, jws.signing_input, jws.signature):
        raise _reject("has an invalid signature", "signature")
    return jws.payload, SIGNATURE


async def verify_id_token(
    token: str,
    *,
    issuer: str,
    client_id: str,
    nonce: str,
    now: float,
    advertised_algs: tuple[str, ...],
    get_jwks: Callable[[bool], Awaitable[dict]],
    verifier: Verifier,
    allow_tls: bool = False,
) -> tuple[dict, str]:
    """Signature (or TLS, see ``verify_signature``), then every claim; the claims and the trust."""
    claims, trust = await verify_signature(token, advertised_algs=advertised_algs, get_jwks=get_jwks,
                                           verifier=verifier, allow_tls=allow_tls)
    return validate_claims(claims, issuer=issuer, client_id=client_id, nonce=nonce, now=now), trust
