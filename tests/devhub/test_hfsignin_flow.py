"""hfsignin's whole flow in CPython (httpx, `cryptography`, a dict for storage)
against devhub over HTTP, including devhub's fault injection."""

import json
from urllib.parse import parse_qsl, urlsplit

import pytest

from flows import Clock, client, run, sign_in
from hfsignin import SignInError
from hfsignin.session import SESSION_KEY
from hfsignin.storage import MemoryStorage


def test_sign_in_end_to_end(hub):
    async def flow():
        async with client(hub) as auth:
            session = await sign_in(hub, auth, orgs=["wonderland-lab"], login={"return_to": "/?tab=datasets"})
            assert session.user.preferred_username == "alice" and session.user.is_pro
            assert [o.preferred_username for o in session.user.orgs] == ["wonderland-lab"]
            assert session.scopes == ("openid", "profile", "email", "read-repos")
            assert session.claims["sub"] == session.user.sub and session.refresh_token
            assert 28790 < session.expires_in(auth.env.clock()) <= 28800
            nav = auth.env.navigator
            assert nav.replaced[0] == hub.space_url + "/" and nav.url == hub.space_url + "/?tab=datasets"
            restored = await auth.restore()
            assert restored.access_token == session.access_token and restored.trust == "signature"
            assert await auth.sign_out() == 0  # no other tab held this sign-in
            assert await auth.restore() is None
            assert auth.env.storage.keys() == []  # nothing left behind, not even a cached document
    run(flow)


def test_case_02_state_nonce_and_verifier_are_fresh_every_attempt(hub):
    async def flow():
        async with client(hub) as auth:
            urls = [await auth.login_url() for _ in range(5)]
            txs = auth.transactions.pending()
            return urls, txs
    urls, txs = run(flow)
    for name in ("state", "nonce", "code_challenge"):
        values = [dict(parse_qsl(urlsplit(u).query))[name] for u in urls]
        assert len(set(values)) == 5, name
    assert len({t.code_verifier for t in txs}) == 5


def test_case_03_authorize_request_shape(hub):
    async def flow():
        async with client(hub, page="/app?x=1#y") as auth:
            u = await auth.login_url(org_ids=["abc123"], prompt="consent", scopes="openid profile")
            return auth, u
    auth, u = run(flow)
    q = dict(parse_qsl(urlsplit(u).query))
    assert u.startswith(hub.hub_url + "/oauth/authorize?")
    assert q["client_id"] == hub.client_id and q["redirect_uri"] == hub.space_url + "/app"
    assert q["response_type"] == "code" and q["scope"] == "openid profile" and q["code_challenge_method"] == "S256"
    assert len(q["state"]) == 43 and len(q["nonce"]) == 43 and len(q["code_challenge"]) == 43
    assert q["orgIds"] == "abc123" and q["prompt"] == "consent" and "client_secret" not in q
    [tx] = auth.transactions.pending()
    assert tx.state == q["state"] and tx.nonce == q["nonce"] and tx.code_verifier not in u


def test_scopes_can_narrow_but_never_widen(hub):
    async def flow():
        async with client(hub) as auth:
            with pytest.raises(SignInError) as e:
                await auth.login_url(scopes="openid write-repos")
            return e.value
    assert run(flow).code == "invalid_config"


def test_case_08_denied_clears_the_transaction(hub):
    async def flow():
        async with client(hub) as auth:
            err = await sign_in(hub, auth, approve=False)
            return auth, err
    auth, err = run(flow)
    assert err.code == "access_denied" and auth.env.navigator.url == hub.space_url + "/"
    assert auth.transactions.pending() == [] and not hub.events("token")


def test_case_05_storage_cleared_mid_flow_is_transaction_missing(hub):
    storage = MemoryStorage()

    async def flow():
        async with client(hub, storage=storage) as auth:
            return await sign_in(hub, auth, before_return=storage.data.clear)
    assert run(flow).code == "transaction_missing" and not hub.events("token")


ID_TOKEN_DEFECTS = ["bad_signature", "wrong_iss", "wrong_aud", "multi_aud_no_azp", "wrong_nonce", "no_nonce",
                    "expired", "iat_old", "nbf_future", "alg_none", "hs256", "unknown_kid", "missing_sub",
                    "missing_iat", "missing_exp", "malformed", "crit"]


# The rule each defect breaks: SignInError.reason, so the tests need no English.
DEFECT_REASONS = {"bad_signature": "signature", "wrong_iss": "iss", "wrong_aud": "aud", "multi_aud_no_azp": "azp",
                  "wrong_nonce": "nonce", "no_nonce": "nonce", "expired": "exp", "iat_old": "iat", "nbf_future": "nbf",
                  "alg_none": "alg", "hs256": "alg", "unknown_kid": "unknown_key", "missing_sub": "sub",
                  "missing_iat": "iat", "missing_exp": "exp", "malformed": "malformed", "crit": "malformed"}


@pytest.mark.parametrize("defect", ID_TOKEN_DEFECTS)
def test_cases_21_to_27_every_id_token_defect_is_refused(hub, defect):
    async def flow():
        async with client(hub) as auth:
            err = await sign_in(hub, auth, before_return=lambda: hub.fault("token", id_token=defect))
            return err, await auth.restore()
    err, restored = run(flow)
    assert isinstance(err, SignInError) and err.code == "invalid_id_token", (defect, err)
    assert err.reason == DEFECT_REASONS[defect]
    assert restored is None


@pytest.mark.parametrize("defect", ["aud_array", "no_kid"])
def test_cases_22_26_harmless_id_token_variants_are_accepted(hub, defect):
    async def flow():
        async with client(hub) as auth:
            return await sign_in(hub, auth, before_return=lambda: hub.fault("token", id_token=defect))
    assert not isinstance(run(flow), SignInError)


def test_case_24_an_earlier_logins_id_token_replayed_is_refused(hub):
    async def flow():
        async with client(hub) as auth:
            first = await sign_in(hub, auth)
            return await sign_in(hub, auth, before_return=lambda: hub.fault("token", patch={"id_token": first.id_token}))
    err = run(flow)
    assert err.code == "invalid_id_token" and err.reason == "nonce"


@pytest.mark.parametrize("fault,code", [
    ({"endpoint": "userinfo", "patch": {"sub": "000000000000000000000000"}}, "userinfo_mismatch"),
    ({"endpoint": "userinfo", "status": 500, "body": "<h1>oops</h1>", "content_type": "text/html"}, "userinfo_failed"),
    ({"endpoint": "token", "status": 400, "body": '{"error": "invalid_client"}'}, "token_request_failed"),
    ({"endpoint": "token", "status": 500, "body": "<html>boom</html>", "content_type": "text/html"}, "token_request_failed"),
    ({"endpoint": "token", "status": 503, "body": "", "headers": {"Retry-After": "20"}}, "token_request_failed"),
    ({"endpoint": "token", "status": 200, "body": "[1,2]"}, "invalid_token_response"),
    ({"endpoint": "token", "status": 200, "body": "{oops"}, "invalid_token_response"),
    ({"endpoint": "token", "status": 200, "body": "{}", "content_type": "text/plain"}, "invalid_token_response"),
    ({"endpoint": "token", "patch": {"token_type": "mac"}}, "invalid_token_response"),
    ({"endpoint": "token", "patch": {"access_token": None}}, "invalid_token_response"),
    ({"endpoint": "jwks", "status": 500, "body": "down"}, "keys_unavailable"),
    ({"endpoint": "jwks", "patch": {"keys": []}, "count": 2}, "invalid_id_token"),  # fetched twice: unknown kid
])
def test_provider_faults_become_clear_errors(hub, fault, code):
    storage = MemoryStorage()

    def arm():
        hub.fault(**fault)

    async def flow():
        async with client(hub, storage=storage) as auth:
            return await sign_in(hub, auth, before_return=arm)
    err = run(flow)
    assert isinstance(err, SignInError) and err.code == code, err
    assert "hf_oauth_" not in str(err) + err.detail
    # the code was sent once, never retried
    assert len([e for e in hub.events("fault") if e["endpoint"] == "token"]) <= 1


def test_case_17_a_hanging_token_endpoint_times_out(hub):
    async def flow():
        async with client(hub, timeout=1.0) as auth:
            return await sign_in(hub, auth, before_return=lambda: hub.fault("token", delay=3))
    err = run(flow)
    assert err.code == "timeout" and "did not answer" in err.message


def test_case_19_bearer_in_capitals_and_a_numeric_string_expires_in(hub):
    async def flow():
        async with client(hub) as auth:
            return await sign_in(hub, auth, before_return=lambda: hub.fault(
                "token", patch={"expires_in": "600", "token_type": "BEARER"}))
    session = run(flow)
    assert 590 < session.expires_at - session.created_at <= 600


def test_case_20_granted_scope_narrower_than_requested_is_what_the_session_has(hub):
    async def flow():
        async with client(hub) as auth:
            return await sign_in(hub, auth, before_return=lambda: hub.fault("token", patch={"scope": "openid profile"}))
    session = run(flow)
    assert session.scopes == ("openid", "profile") and not session.can_read_private_repos


def test_hub_api_with_the_session_and_case_28_revocation(hub):
    async def flow():
        async with client(hub) as auth:
            await sign_in(hub, auth, user="prolific")
            me = await auth.api.whoami()
            total = 0
            async for page in auth.api.list_models(author="prolific", limit=500, expand=["likes"]):
                total += len(page.repos)
            hub.revoke("prolific")
            with pytest.raises(SignInError) as e:
                await auth.api.list_datasets(author="prolific").next_page()
            return me, total, e.value, auth.session, await auth.restore()
    me, total, err, live, restored = run(flow)
    assert me["name"] == "prolific" and total == 1200
    assert err.code == "session_expired" and live is None and restored is None


def tamper(storage, **changes):
    data = json.loads(storage.get(SESSION_KEY))
    for key, value in changes.items():
        if callable(value):
            value(data)
        else:
            data[key] = value
    storage.set(SESSION_KEY, json.dumps(data))


@pytest.mark.parametrize("change", [
    {"userinfo": lambda d: d["userinfo"].update(sub="000000000000000000000000")},
    {"claims": lambda d: d["claims"].update(sub="000000000000000000000000")},
    {"id_token": lambda d: d.update(id_token=d["id_token"][:-8] + "AAAAAAAA")},
    {"access_token": "hf_oauth_forged"},
    {"expires_at": 1.0, "refresh_token": None},  # expired, nothing to renew it with
    {"issuer": "https://evil.example"},
])
def test_a_tampered_stored_session_is_discarded(hub, change):
    storage = MemoryStorage()

    async def flow():
        async with client(hub, storage=storage) as auth:
            await sign_in(hub, auth)
        tamper(storage, **change)
        async with client(hub, storage=storage) as fresh:  # a reload: nothing in memory
            return await fresh.restore()
    assert run(flow) is None
    assert storage.get(SESSION_KEY) is None


def test_restore_refreshes_the_profile_and_survives_an_unreachable_provider(hub):
    storage = MemoryStorage()

    async def flow():
        async with client(hub, storage=storage) as auth:
            await sign_in(hub, auth)
        tamper(storage, userinfo=lambda d: d["userinfo"].update(name="Mallory"))
        async with client(hub, storage=storage) as fresh:
            restored = await fresh.restore()
        hub.fault("userinfo", status=503, body="")
        async with client(hub, storage=storage) as offline:
            with pytest.raises(SignInError) as e:
                await offline.restore()
        return restored, e.value
    restored, err = run(flow)
    assert restored.user.name == "Alice Liddell"  # from the provider, not from storage
    assert err.code == "userinfo_failed" and storage.get(SESSION_KEY) is not None  # kept for a retry


def test_refresh_rotates_and_keeps_the_session(hub):
    clock = Clock()

    async def flow():
        async with client(hub, clock=clock) as auth:
            s1 = await sign_in(hub, auth)
            assert not auth.refresh_due()
            clock.offset = s1.expires_in(clock()) - 30  # within the last minute
            assert auth.refresh_due()
            s2 = await auth.ensure_fresh()
            return s1, s2, auth
    s1, s2, auth = run(flow)
    assert s2.access_token != s1.access_token and s2.refresh_token != s1.refresh_token
    assert s2.expires_at > s1.expires_at and s2.user == s1.user and auth.session is s2
    assert [e["grant_type"] for e in hub.events("token")] == ["authorization_code", "refresh_token"]


def test_a_refused_refresh_ends_the_session_cleanly(hub):
    clock = Clock()
    ended = []

    async def flow():
        async with client(hub, clock=clock) as auth:
            auth.on_session_end(ended.append)
            s1 = await sign_in(hub, auth)
            hub.fault("token", status=400, body='{"error": "invalid_grant"}')
            clock.offset = s1.expires_in(clock()) - 10
            return await auth.ensure_fresh(), auth
    session, auth = run(flow)
    assert session is None and auth.session is None and ended == ["revoked"]


def test_a_network_failure_during_refresh_keeps_the_session_until_it_expires(hub):
    clock = Clock()

    async def flow():
        async with client(hub, clock=clock, timeout=1) as auth:
            s1 = await sign_in(hub, auth)
            hub.fault("token", delay=2)
            clock.offset = s1.expires_in(clock()) - 10
            return s1, await auth.ensure_fresh()
    s1, s2 = run(flow)
    assert s2 is s1
