"""Every ID Token rule of OIDC Core §3.1.3.7, one test each (signature via `cryptography`)."""

import asyncio

import pytest

from hfsignin.errors import SignInError
from hfsignin.idtoken import CLOCK_SKEW, validate_claims, verify_id_token
from hfsignin.jws import CryptographyVerifier, JWSError, parse_compact, select_key
from signing import b64, jb64

ISS, CID, NONCE, NOW = "https://huggingface.co", "client-1", "n" * 43, 1_800_000_000.0


def claims(**over):
    base = {"iss": ISS, "sub": "62f264b9f3c90f4b6514a269", "aud": CID, "exp": NOW + 3600, "iat": NOW - 5,
            "nonce": NONCE, "name": "Alice", "preferred_username": "alice"}
    for k, v in over.items():
        if v is ...:
            base.pop(k, None)
        else:
            base[k] = v
    return base


def check(token, jwks, *, refetch_jwks=None, algs=("RS256",)):
    fetches = []

    async def get_jwks(refresh):
        fetches.append(refresh)
        return refetch_jwks if refresh and refetch_jwks is not None else jwks

    result, _ = asyncio.run(verify_id_token(token, issuer=ISS, client_id=CID, nonce=NONCE, now=NOW,
                                            advertised_algs=algs, get_jwks=get_jwks, verifier=CryptographyVerifier()))
    return result, fetches


def rejected(token, jwks, **kw):
    with pytest.raises(SignInError) as e:
        check(token, jwks, **kw)
    assert e.value.code == "invalid_id_token"
    return e.value


def test_a_good_token_is_accepted(signer):
    result, fetches = check(signer.sign(claims()), {"keys": [signer.jwk]})
    assert result["sub"] == "62f264b9f3c90f4b6514a269"
    assert fetches == [False]


@pytest.mark.parametrize("over,why,reason", [
    ({"iss": "https://evil.example"}, "issued by someone else", "iss"),
    ({"iss": ...}, "issued by someone else", "iss"),
    ({"sub": ...}, "subject", "sub"),
    ({"sub": ""}, "subject", "sub"),
    ({"sub": 42}, "subject", "sub"),
    ({"aud": "another"}, "another application", "aud"),
    ({"aud": ...}, "audience", "aud"),
    ({"aud": []}, "audience", "aud"),
    ({"aud": [CID, "other"]}, "authorized party", "azp"),
    ({"aud": [CID, "other"], "azp": "other"}, "authorized party", "azp"),
    ({"azp": "other"}, "authorized party", "azp"),
    ({"exp": NOW - CLOCK_SKEW - 1}, "expired", "exp"),
    ({"exp": ...}, "'exp'", "exp"),
    ({"exp": "soon"}, "non-numeric", "exp"),
    ({"exp": True}, "non-numeric", "exp"),
    ({"iat": ...}, "'iat'", "iat"),
    ({"iat": NOW - 7 * 86400}, "implausible", "iat"),
    ({"iat": NOW + CLOCK_SKEW + 60}, "implausible", "iat"),
    ({"nbf": NOW + 3600}, "not valid yet", "nbf"),
    ({"nonce": "other"}, "nonce", "nonce"),
    ({"nonce": ...}, "nonce", "nonce"),
    ({"nonce": 5}, "nonce", "nonce"),
])
def test_cases_21_to_24_claim_rules(signer, over, why, reason):
    err = rejected(signer.sign(claims(**over)), {"keys": [signer.jwk]})
    assert err.reason == reason and why in err.message



@pytest.mark.parametrize("over", [
    {"aud": [CID]},                              # a one-element array is fine
    {"aud": [CID, "other"], "azp": CID},         # several audiences with the right azp
    {"exp": NOW - CLOCK_SKEW + 5},               # expired within the allowed skew
    {"nbf": NOW + 10},                           # nbf within skew
    {"exp": float(NOW + 100), "iat": float(NOW)},
])
def test_cases_22_23_tolerated_variants(signer, over):
    check(signer.sign(claims(**over)), {"keys": [signer.jwk]})


def test_validate_claims_directly_returns_the_claims():
    c = claims()
    assert validate_claims(c, issuer=ISS, client_id=CID, nonce=NONCE, now=NOW) is c


def test_case_26_bad_signature(signer):
    token = signer.sign(claims())
    head, _, sig = token.rpartition(".")
    raw = bytearray(__import__("base64").urlsafe_b64decode(sig + "=="))
    raw[10] ^= 1
    assert "invalid signature" in rejected(f"{head}.{b64(bytes(raw))}", {"keys": [signer.jwk]}).message


def test_case_26_tampered_payload_breaks_the_signature(signer):
    head, payload, sig = signer.sign(claims()).split(".")
    forged = jb64(claims(sub="someone-else"))
    assert "invalid signature" in rejected(f"{head}.{forged}.{sig}", {"keys": [signer.jwk]}).message


def test_case_25_alg_none_is_refused(signer):
    token = f"{jb64({'alg': 'none'})}.{jb64(claims())}."
    assert rejected(token, {"keys": [signer.jwk]}).reason == "alg"  # checked before the (empty) signature
    token = f"{jb64({'alg': 'none'})}.{jb64(claims())}.{b64(b'x')}"
    assert "not accepted" in rejected(token, {"keys": [signer.jwk]}).message


def test_case_25_hs256_with_the_public_key_as_secret_is_refused(signer):
    assert "not accepted" in rejected(signer.hs256_with_public_pem(claims()), {"keys": [signer.jwk]}).message


def test_case_25_an_alg_the_provider_does_not_advertise_is_refused(signer):
    rejected(signer.sign(claims()), {"keys": [signer.jwk]}, algs=("ES256",))


def test_case_26_no_kid_with_a_single_key_is_accepted(signer):
    check(signer.sign(claims(), header={"alg": "RS256"}), {"keys": [signer.jwk]})


def test_no_kid_with_several_keys_is_refused(signer, other_signer):
    rejected(signer.sign(claims(), header={"alg": "RS256"}), {"keys": [signer.jwk, other_signer.jwk]})


def test_case_26_unknown_kid_fetches_the_jwks_once_more_then_refuses(signer, other_signer):
    with pytest.raises(SignInError):
        check(other_signer.sign(claims()), {"keys": [signer.jwk]})
    fetches = []

    async def get_jwks(refresh):
        fetches.append(refresh)
        return {"keys": [signer.jwk]}

    with pytest.raises(SignInError):
        asyncio.run(verify_id_token(other_signer.sign(claims()), issuer=ISS, client_id=CID, nonce=NONCE, now=NOW,
                                    advertised_algs=("RS256",), get_jwks=get_jwks, verifier=CryptographyVerifier()))
    assert fetches == [False, True]


def test_unknown_kid_succeeds_after_key_rotation(signer, other_signer):
    _, fetches = check(other_signer.sign(claims()), {"keys": [signer.jwk]},
                       refetch_jwks={"keys": [signer.jwk, other_signer.jwk]})
    assert fetches == [False, True]


def test_case_26_jwks_unavailable_fails_closed(signer):
    async def get_jwks(refresh):
        raise SignInError("invalid_id_token", "keys unavailable")

    with pytest.raises(SignInError) as e:
        asyncio.run(verify_id_token(signer.sign(claims()), issuer=ISS, client_id=CID, nonce=NONCE, now=NOW,
                                    advertised_algs=("RS256",), get_jwks=get_jwks, verifier=CryptographyVerifier()))
    assert e.value.code == "invalid_id_token"


@pytest.mark.parametrize("token", [
    "a.b", "a.b.c.d", "", "...", "not-base64!.e30.c2ln", f"{jb64([1])}.{jb64({})}.c2ln",
    f"{jb64({'alg': 'RS256'})}.{b64(b'not json')}.c2ln", f"{jb64({'alg': 'RS256', 'crit': ['exp']})}.{jb64({})}.c2ln",
    f"{jb64({'alg': 'RS256', 'kid': 7})}.{jb64({})}.c2ln", f"{jb64({})}.{jb64({})}.c2ln", "x" * 20000,
    b64(b'{"alg":"RS256","alg":"none"}') + "." + jb64({}) + ".c2ln",
])
def test_case_27_malformed_jws_is_refused(token):
    with pytest.raises(JWSError):
        parse_compact(token)


def test_a_weak_or_wrong_key_is_never_selected(signer):
    weak = dict(signer.jwk, n=b64(b"\x01" * 64))
    assert select_key({"keys": [weak]}, "k1", "RS256") is None
    assert select_key({"keys": [dict(signer.jwk, use="enc")]}, "k1", "RS256") is None
    assert select_key({"keys": [dict(signer.jwk, kty="EC")]}, "k1", "RS256") is None
    assert select_key({"keys": [dict(signer.jwk, alg="RS512")]}, "k1", "RS256") is None
    assert select_key({"keys": "nope"}, "k1", "RS256") is None
    assert select_key({"keys": [signer.jwk, signer.jwk]}, "k1", "RS256") is None  # ambiguous
    assert select_key({"keys": [signer.jwk]}, "k1", "RS256") == signer.jwk
