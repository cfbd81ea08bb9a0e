"""Every exit of ``HFSignIn.restore()`` (a page load with a stored session), in CPython with a
``MockTransport`` playing huggingface.co: what it returns, what storage keeps, which endings are
reported, and which requests went out."""

import asyncio
import json
import time
from dataclasses import replace

import pytest

from hfsignin import HFSignIn, SignInError
from hfsignin.environment import Environment
from hfsignin.jws import CryptographyVerifier
from hfsignin.models import UserInfo
from hfsignin.navigation import MemoryNavigator
from hfsignin.session import SESSION_KEY, Session, SessionStore
from hfsignin.storage import MemoryStorage
from hfsignin.tabs import SoloTabs, TabHub
from hfsignin.transport import HttpRequest, HttpResponse, MockTransport
from signing import Signer, jb64

HUB, CID, NOW = "https://huggingface.co", "client-1", 1_800_000_000.0
SUB = "62f264b9f3c90f4b6514a269"
DISCOVERY, JWKS, TOKEN, USERINFO = "/.well-known/openid-configuration", "/oauth/jwks", "/oauth/token", "/oauth/userinfo"
PROFILE = {"sub": SUB, "name": "Alice", "preferred_username": "alice"}
FAMILY = "family-1"


def json_response(doc, status: int = 200) -> HttpResponse:
    return HttpResponse(status, {"content-type": "application/json"}, json.dumps(doc).encode())


def metadata() -> dict:
    return {"issuer": HUB, "authorization_endpoint": f"{HUB}/oauth/authorize", "token_endpoint": HUB + TOKEN,
            "userinfo_endpoint": HUB + USERINFO, "jwks_uri": HUB + JWKS, "id_token_signing_alg_values_supported": ["RS256"]}


def claims(**over) -> dict:
    return {"iss": HUB, "sub": SUB, "aud": CID, "exp": NOW + 3600, "iat": NOW - 60, "nonce": "n" * 43, **over}


class Provider:
    """huggingface.co as a MockTransport handler: each path answers with a response, or raises
    the exception it holds (``ConnectionError``: no answer at all; ``TimeoutError``: too slow)."""

    def __init__(self, signer: Signer) -> None:
        self.signer = signer
        self.answers: dict[str, HttpResponse | BaseException] = {
            DISCOVERY: json_response(metadata()),
            JWKS: json_response({"keys": [signer.jwk]}),
            TOKEN: json_response({"access_token": "hf_oauth_renewed", "token_type": "bearer", "expires_in": 28800,
                                  "refresh_token": "rt-2"}),
            USERINFO: json_response({**PROFILE, "name": "Alice Liddell"}),  # the profile has changed since
        }

    def __call__(self, request: HttpRequest) -> HttpResponse:
        answer = self.answers[request.path]
        if isinstance(answer, list):  # answers in turn, the last one for good
            answer = answer.pop(0) if len(answer) > 1 else answer[0]
        if isinstance(answer, BaseException):
            raise answer
        return answer


def stored(signer: Signer, **over) -> Session:
    """The session a previous page load left: valid for another 50 minutes unless ``over`` says otherwise."""
    fields = dict(access_token="hf_oauth_old", expires_at=NOW + 3000, scopes=("openid", "profile"),
                  user=UserInfo.parse(PROFILE), claims=claims(), id_token=signer.sign(claims()), issuer=HUB,
                  client_id=CID, created_at=NOW - 600, refresh_token="rt-1", family=FAMILY, generation=0)
    fields.update(over)
    return Session(**fields)


def expired(signer: Signer, **over) -> Session:
    return stored(signer, expires_at=NOW - 10, created_at=NOW - 28810, **over)


class Page:
    """A page load: storage as the last one left it, a fresh HFSignIn on a MockTransport, and
    what it reported (``ended``: on_session_end reasons; ``changed``: on_session sessions)."""

    def __init__(self, provider, session: Session | None = None, *, client_id: str = CID, clock=lambda: NOW,
                 tabs=None, storage: MemoryStorage | None = None) -> None:
        self.storage = storage if storage is not None else MemoryStorage()
        if session is not None:
            SessionStore(self.storage).save(session)
        self.transport = MockTransport(provider)
        self.tabs = tabs if tabs is not None else SoloTabs()
        env = Environment(storage=self.storage, transport=self.transport, navigator=MemoryNavigator(HUB + "/spaces/x"),
                          verifier=CryptographyVerifier(), clock=clock, tabs=self.tabs)
        self.auth = HFSignIn(client_id, env=env)
        self.ended: list[str] = []
        self.changed: list[Session] = []
        self.auth.on_session_end(self.ended.append)
        self.auth.on_session(self.changed.append)

    def restore(self) -> Session | None:
        return asyncio.run(self.auth.restore())

    def restore_fails(self) -> SignInError:
        with pytest.raises(SignInError) as e:
            self.restore()
        return e.value

    @property
    def calls(self) -> list[str]:
        return [f"{r.method} {r.path}" for r in self.transport.requests]

    def request(self, path: str) -> HttpRequest:
        [request] = [r for r in self.transport.requests if r.path == path]
        return request

    @property
    def kept(self) -> Session | None:
        """What storage holds now (read without wiping)."""
        return Session.from_json(self.storage.get(SESSION_KEY))


PROOF = [f"GET {DISCOVERY}", f"GET {JWKS}", f"GET {USERINFO}"]
RENEWAL = [f"GET {DISCOVERY}", f"POST {TOKEN}"]


def assert_adopted(page: Page, session: Session) -> None:
    """Success: the session is this tab's, in memory and storage, and the family's marker and
    membership say so."""
    assert page.auth.session == session and page.kept == session
    assert page.tabs.generation(session.family) == session.generation
    assert asyncio.run(page.tabs.count(session.family)) == 1


# -- nothing to restore, or not for this app: no request, nothing reported ------------------------

def test_nothing_stored(signer):
    page = Page(Provider(signer))
    assert page.restore() is None
    assert page.storage.keys() == [] and page.calls == [] and page.ended == []


@pytest.mark.parametrize("text", [
    "not json",
    json.dumps({"v": 99}),  # a newer format, from a later deploy
])
def test_an_unreadable_stored_session_is_wiped(signer, text):
    page = Page(Provider(signer), storage=MemoryStorage({SESSION_KEY: text}))
    assert page.restore() is None
    assert page.storage.keys() == [] and page.calls == [] and page.ended == []


@pytest.mark.parametrize("over", [
    {"client_id": "another-client"},
    {"issuer": "https://other.example", "claims": claims(iss="https://other.example")},
])
def test_a_session_of_another_app_or_provider_is_wiped_silently(signer, over):
    page = Page(Provider(signer), stored(signer, **over))
    assert page.restore() is None
    assert page.kept is None and page.calls == [] and page.ended == []


def test_expired_without_refresh_token_is_wiped_and_reported_expired(signer):
    page = Page(Provider(signer), expired(signer, refresh_token=None))
    assert page.restore() is None
    assert page.kept is None and page.calls == [] and page.ended == ["expired"]


# -- proven: signature, then userinfo of the same subject ------------------------------------------

def test_a_valid_session_is_proven_by_userinfo_and_gets_the_fresh_profile(signer):
    page = Page(Provider(signer), stored(signer))
    session = page.restore()
    assert session.access_token == "hf_oauth_old" and session.trust == "signature"
    assert session.user.name == "Alice Liddell"  # from the provider, not from storage
    assert page.calls == PROOF
    assert page.request(USERINFO).header("authorization") == "Bearer hf_oauth_old"
    assert page.ended == [] and page.changed == []
    assert_adopted(page, session)


@pytest.mark.parametrize("answer", [ConnectionError(), TimeoutError()], ids=["network", "timeout"])
def test_keys_unreachable_the_session_rests_on_userinfo_with_its_claims_reduced(signer, answer):
    """Issue 18 #1: a stored token is never trusted over TLS (it did not just come from the token
    endpoint); with no answer from the key set only what userinfo proves is kept."""
    provider = Provider(signer)
    provider.answers[JWKS] = answer
    page = Page(provider, stored(signer, claims=claims(email="forged@example.com", auth_time=1, nonce="x" * 43)))
    session = page.restore()
    assert session.trust == "userinfo" and page.calls == PROOF
    assert session.claims == {"iss": HUB, "sub": SUB}  # nothing of the unverifiable token is kept
    assert_adopted(page, session)


def test_a_stored_token_under_a_key_the_provider_does_not_publish_is_refused(signer, other_signer):
    """Issue 18 #1: the key set answers, and after the one refetch it still has no key for the
    token's kid: refused (was: trusted over TLS, its forged claims kept)."""
    provider = Provider(signer)
    forged = other_signer.sign(claims(email="forged@example.com"), {"alg": "RS256", "kid": "does-not-exist"})
    page = Page(provider, stored(signer, id_token=forged))
    assert page.restore() is None
    assert page.calls == [f"GET {DISCOVERY}", f"GET {JWKS}", f"GET {JWKS}"]  # one refetch, then no userinfo
    assert page.kept is None and page.ended == [] and page.auth.session is None


def test_a_stored_token_after_the_provider_retired_its_key_is_refused(signer, other_signer):
    provider = Provider(signer)
    provider.answers[JWKS] = json_response({"keys": [other_signer.jwk]})
    page = Page(provider, stored(signer))
    assert page.restore() is None
    assert page.calls == [f"GET {DISCOVERY}", f"GET {JWKS}", f"GET {JWKS}"] and page.kept is None


# -- tampered: wiped silently, and the access token never goes anywhere when the id_token fails ------

def _resigned_payload(token: str, **over) -> str:
    header, _, signature = token.split(".")
    return f"{header}.{jb64(claims(**over))}.{signature}"


TAMPERS = {
    "bad signature": lambda s, signer: s.id_token[:-8] + "AAAAAAAA",
    "payload edited": lambda s, signer: _resigned_payload(s.id_token, sub="000000000000000000000000"),
    "alg confusion": lambda s, signer: signer.hs256_with_public_pem(claims()),
    "malformed": lambda s, signer: "not-a-jws",
    "another account": lambda s, signer: signer.sign(claims(sub="000000000000000000000000")),
    "another client": lambda s, signer: signer.sign(claims(aud="another-client")),
    "aud not a string or list": lambda s, signer: signer.sign(claims(aud=123)),
    "aud a list of non-strings": lambda s, signer: signer.sign(claims(aud=[{"x": 1}])),
    "another issuer": lambda s, signer: signer.sign(claims(iss="https://other.example")),
}


@pytest.mark.parametrize("tamper", TAMPERS.values(), ids=TAMPERS.keys())
def test_a_tampered_id_token_is_wiped_silently_before_userinfo(signer, tamper):
    session = stored(signer)
    page = Page(Provider(signer), replace(session, id_token=tamper(session, signer)))
    assert page.restore() is None
    assert page.kept is None and page.ended == [] and page.auth.session is None
    assert f"GET {USERINFO}" not in page.calls


def test_a_forged_id_token_under_an_unknown_key_is_refused(signer, other_signer):
    page = Page(Provider(signer), stored(signer, id_token=other_signer.sign(claims(aud="another-client"))))
    assert page.restore() is None
    assert page.kept is None and page.ended == []
    assert page.calls == [f"GET {DISCOVERY}", f"GET {JWKS}", f"GET {JWKS}"]


def test_userinfo_of_another_subject_is_wiped_silently(signer):
    provider = Provider(signer)
    provider.answers[USERINFO] = json_response({**PROFILE, "sub": "000000000000000000000000"})
    page = Page(provider, stored(signer))
    assert page.restore() is None
    assert page.kept is None and page.ended == [] and page.calls == PROOF


# -- revoked: wiped and reported -------------------------------------------------------------------

@pytest.mark.parametrize("status", [401, 403])
def test_userinfo_refusing_the_token_is_revoked(signer, status):
    provider = Provider(signer)
    provider.answers[USERINFO] = HttpResponse(status)
    page = Page(provider, stored(signer))
    assert page.restore() is None
    assert page.kept is None and page.ended == ["revoked"] and page.calls == PROOF


# -- unreachable (or an HTTP failure that proves nothing): raises, the session stays for a retry -----

@pytest.mark.parametrize("path,answer,code", [
    (USERINFO, ConnectionError(), "network"),
    (USERINFO, TimeoutError(), "timeout"),
    (USERINFO, HttpResponse(503), "userinfo_failed"),
    (USERINFO, HttpResponse(200, {"content-type": "text/html"}, b"<html>"), "userinfo_failed"),
    (DISCOVERY, ConnectionError(), "network"),
    (DISCOVERY, HttpResponse(500), "discovery_failed"),
    (JWKS, HttpResponse(500), "keys_unavailable"),  # an HTTP answer: not a reason to fall back on TLS
])
def test_proof_unreachable_raises_and_keeps_the_session(signer, path, answer, code):
    provider = Provider(signer)
    provider.answers[path] = answer
    session = stored(signer)
    page = Page(provider, session)
    assert page.restore_fails().code == code
    assert page.kept == session and page.ended == [] and page.auth.session is None


# -- expired with a refresh token: renewed, then proven ----------------------------------------------

def test_expired_with_refresh_token_is_checked_then_renewed_then_proven_and_shown_once(signer):
    """Issue 18 #4: the stored ID token is checked before its refresh token is spent, and the
    renewed session is saved and reported once, by restore() itself (no on_session)."""
    page = Page(Provider(signer), expired(signer))
    session = page.restore()
    assert page.calls == [f"GET {DISCOVERY}", f"GET {JWKS}", f"POST {TOKEN}", f"GET {USERINFO}"]
    assert page.request(TOKEN).form == {"grant_type": "refresh_token", "refresh_token": "rt-1", "client_id": CID}
    assert page.request(USERINFO).header("authorization") == "Bearer hf_oauth_renewed"
    assert session.access_token == "hf_oauth_renewed" and session.refresh_token == "rt-2"
    assert session.expires_at == NOW + 28800 and session.created_at == NOW
    assert session.family == FAMILY and session.generation == 1 and session.user.name == "Alice Liddell"
    assert page.ended == [] and page.changed == []
    assert_adopted(page, session)


def test_a_renewal_with_an_id_token_checks_it_and_keeps_it(signer):
    provider = Provider(signer)
    renewed_id_token = signer.sign(claims(iat=NOW - 1, exp=NOW + 3600))
    provider.answers[TOKEN] = json_response({"access_token": "hf_oauth_renewed", "token_type": "bearer",
                                             "expires_in": 3600, "id_token": renewed_id_token})
    page = Page(provider, expired(signer))
    session = page.restore()
    assert session.id_token == renewed_id_token and session.trust == "signature"
    assert session.refresh_token == "rt-1"  # not rotated: the one we had stays
    assert_adopted(page, session)


@pytest.mark.parametrize("status", [400, 401])
def test_a_refused_renewal_is_wiped_and_reported_revoked(signer, status):
    provider = Provider(signer)
    provider.answers[TOKEN] = json_response({"error": "invalid_grant"}, status)
    page = Page(provider, expired(signer))
    assert page.restore() is None
    assert page.kept is None and page.ended == ["revoked"] and page.calls == [f"GET {DISCOVERY}", f"GET {JWKS}", f"POST {TOKEN}"]
    assert page.auth.session is None


@pytest.mark.parametrize("path,answer,code", [
    (TOKEN, ConnectionError(), "network"),
    (TOKEN, TimeoutError(), "timeout"),
    (TOKEN, json_response({"error": "temporarily_unavailable"}, 503), "token_request_failed"),
    (TOKEN, HttpResponse(200, {"content-type": "text/html"}, b"<html>"), "invalid_token_response"),
    (DISCOVERY, ConnectionError(), "network"),
])
def test_a_renewal_that_fails_otherwise_raises_and_keeps_the_session(signer, path, answer, code):
    provider = Provider(signer)
    provider.answers[path] = answer
    session = expired(signer)
    page = Page(provider, session)
    assert page.restore_fails().code == code
    assert page.kept == session and page.ended == [] and page.auth.session is None


def test_a_renewal_whose_id_token_names_another_account_is_wiped(signer):
    provider = Provider(signer)
    provider.answers[TOKEN] = json_response({"access_token": "hf_oauth_renewed", "token_type": "bearer",
                                             "refresh_token": "rt-2",
                                             "id_token": signer.sign(claims(sub="000000000000000000000000"))})
    page = Page(provider, expired(signer))
    assert page.restore() is None
    assert page.kept is None and page.ended == [] and f"GET {USERINFO}" not in page.calls


def test_a_renewal_whose_new_keys_are_unavailable_keeps_the_rotated_refresh_token(signer, other_signer):
    """Issue 18 #5: the refresh token rotated, then the new ID token could not be checked (the key
    set answers 503 after a key rotation): the rotated token is kept, the spent one never resent."""
    provider = Provider(signer)
    provider.answers[TOKEN] = json_response({"access_token": "hf_oauth_renewed", "token_type": "bearer",
                                             "refresh_token": "rt-2", "expires_in": 3600,
                                             "id_token": other_signer.sign(claims(iat=NOW, exp=NOW + 3600))})
    # the stored token's key is published; the new token's kid makes the one refetch, which fails
    provider.answers[JWKS] = [json_response({"keys": [signer.jwk]}), HttpResponse(503)]
    page = Page(provider, expired(signer))
    assert page.restore_fails().code == "keys_unavailable"
    assert page.kept.refresh_token == "rt-2" and page.kept.generation == 1
    provider.answers[JWKS] = json_response({"keys": [signer.jwk, other_signer.jwk]})
    provider.answers[TOKEN] = json_response({"access_token": "hf_oauth_3", "token_type": "bearer",
                                             "refresh_token": "rt-3", "expires_in": 3600})
    session = page.restore()  # the visitor's "Try again"
    sent = [r.form["refresh_token"] for r in page.transport.requests if r.path == TOKEN]
    assert sent == ["rt-1", "rt-2"] and session.access_token == "hf_oauth_3" and page.kept == session


def test_renewed_then_revoked_by_userinfo_is_wiped_and_reported(signer):
    provider = Provider(signer)
    provider.answers[USERINFO] = HttpResponse(401)
    session = expired(signer)
    page = Page(provider, session)
    assert page.restore() is None
    assert page.kept is None and page.ended == ["revoked"] and page.auth.session is None
    assert page.calls == [f"GET {DISCOVERY}", f"GET {JWKS}", f"POST {TOKEN}", f"GET {USERINFO}"]
    assert asyncio.run(page.tabs.count(session.family)) == 0  # the renewal's membership is let go


def test_an_expired_tampered_session_is_wiped_silently_before_its_refresh_token_is_spent(signer):
    """Issue 18 #4 (was: the refresh token spent first, the tampered token checked after)."""
    session = expired(signer)
    page = Page(Provider(signer), replace(session, id_token=session.id_token[:-8] + "AAAAAAAA"))
    assert page.restore() is None
    assert page.kept is None and page.ended == [] and page.calls == [f"GET {DISCOVERY}", f"GET {JWKS}"]
    assert asyncio.run(page.tabs.count(session.family)) == 0


def test_renewed_then_userinfo_unreachable_raises_and_keeps_the_renewed_session(signer):
    provider = Provider(signer)
    provider.answers[USERINFO] = ConnectionError()
    page = Page(provider, expired(signer))
    assert page.restore_fails().code == "network"
    kept = page.kept
    assert kept.access_token == "hf_oauth_renewed" and kept.refresh_token == "rt-2"  # the spent rt-1 is gone
    assert page.ended == [] and page.changed == []
    provider.answers[USERINFO] = json_response(PROFILE)
    assert page.restore() == kept and page.calls.count(f"POST {TOKEN}") == 1  # the retry spends nothing


# -- expired, and another tab of the family already renewed its tokens ---------------------------------

def test_tokens_renewed_by_a_sibling_tab_are_adopted_without_spending_ours(signer):
    hub = TabHub()
    provider = Provider(signer)
    sibling = Page(provider, stored(signer, access_token="hf_oauth_sibling", refresh_token="rt-2", generation=1),
                   tabs=hub.tab())
    page = Page(provider, expired(signer), tabs=hub.tab())

    async def both():
        await sibling.auth.restore()  # marks the family's generation 1
        return await page.auth.restore()
    session = asyncio.run(both())
    assert session.access_token == "hf_oauth_sibling" and session.generation == 1
    # rt-1 is spent: never sent. The handed-over tokens are proven once (issue 18: they were proven twice).
    assert page.calls == PROOF
    assert {r.header("authorization") for r in page.transport.requests if r.path == USERINFO} == {"Bearer hf_oauth_sibling"}
    assert page.kept == session and page.ended == [] and page.changed == []
    assert session.refresh_token is None and session.shared  # the sibling holds the refresh token


def test_a_sibling_that_renewed_but_cannot_hand_over_raises_network_and_keeps_the_session(signer):
    hub = TabHub()
    hub.generations[FAMILY] = 1  # a sibling renewed, then froze
    sibling = hub.tab()
    sibling.join(FAMILY)
    sibling.frozen = True
    ticks = iter(range(10_000))
    session = expired(signer)
    page = Page(Provider(signer), session, tabs=hub.tab(), clock=lambda: NOW + next(ticks))
    started = time.monotonic()
    assert page.restore_fails().code == "network"
    assert time.monotonic() - started < 5
    assert page.kept == session and page.calls == [f"GET {DISCOVERY}", f"GET {JWKS}"] and page.ended == []


def test_a_copy_whose_family_renewed_in_a_tab_now_closed_has_expired(signer):
    """The tab that renewed (and holds the refresh token) is gone: this copy's refresh token is spent
    and nobody can hand over. Said at once as an expiry (sign in again), not an endless retry."""
    hub = TabHub()
    hub.generations[FAMILY] = 1
    page = Page(Provider(signer), expired(signer), tabs=hub.tab())
    assert page.restore() is None
    assert page.kept is None and page.ended == ["expired"] and f"POST {TOKEN}" not in page.calls

