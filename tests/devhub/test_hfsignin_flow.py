"""hfsignin's whole flow in CPython (httpx, `cryptography`, a dict for storage)
against devhub over HTTP, including devhub's fault injection."""

import asyncio
from urllib.parse import parse_qsl, urlsplit

import pytest

from harness import HubBrowser
from hfsignin import HFSignIn, SignInError
from hfsignin.environment import local_environment
from hfsignin.storage import MemoryStorage


def signin(hub, *, user="alice", orgs=(), approve=True, before_return=None, storage=None, timeout=15.0,
           login=None, page="/"):
    """Run login_url → consent → handle_redirect; returns (auth, session or the SignInError)."""
    async def flow():
        env = local_environment(hub.space_url + page, storage=storage, variables=hub.devhub.variables)
        auth = HFSignIn(env=env, timeout=timeout)
        url = await auth.login_url(**(login or {}))
        agent = HubBrowser(hub.hub_url)
        try:
            resp = agent.authorize(dict(parse_qsl(urlsplit(url).query)), user=user, orgs=list(orgs), approve=approve)
        finally:
            agent.close()
        env.navigator.url = resp.headers["location"]
        if before_return:
            before_return()
        try:
            return auth, await auth.handle_redirect()
        except SignInError as exc:
            return auth, exc
        finally:
            await env.transport.aclose()
    return asyncio.run(flow())


def test_sign_in_end_to_end(hub):
    auth, session = signin(hub, orgs=["wonderland-lab"], login={"return_to": "/?tab=datasets"})
    assert session.user.preferred_username == "alice" and session.user.is_pro
    assert [o.preferred_username for o in session.user.orgs] == ["wonderland-lab"]
    assert session.scopes == ("openid", "profile", "email", "read-repos")
    assert session.claims["sub"] == session.user.sub and session.refresh_token
    assert 28790 < session.expires_in(auth.env.clock()) <= 28800
    nav = auth.env.navigator
    assert nav.replaced[0] == hub.space_url + "/" and nav.url == hub.space_url + "/?tab=datasets"
    assert auth.restore().access_token == session.access_token
    auth.sign_out()
    assert auth.restore() is None and auth.env.storage.keys() == ["hfsignin:cache:discovery:" + hub.hub_url,
                                                                      f"hfsignin:cache:jwks:{hub.hub_url}/oauth/jwks"]


def test_authorize_url_carries_everything(hub):
    async def url():
        auth = HFSignIn(env=local_environment(hub.space_url + "/app?x=1#y", variables=hub.devhub.variables))
        try:
            return auth, await auth.login_url(org_ids=["abc123"], prompt="consent", scopes="openid profile")
        finally:
            await auth.env.transport.aclose()
    auth, u = asyncio.run(url())
    q = dict(parse_qsl(urlsplit(u).query))
    assert u.startswith(hub.hub_url + "/oauth/authorize?")
    assert q["client_id"] == hub.client_id and q["redirect_uri"] == hub.space_url + "/app"
    assert q["response_type"] == "code" and q["scope"] == "openid profile" and q["code_challenge_method"] == "S256"
    assert len(q["state"]) == 43 and len(q["nonce"]) == 43 and len(q["code_challenge"]) == 43
    assert q["orgIds"] == "abc123" and q["prompt"] == "consent" and "client_secret" not in q
    [tx] = auth.transactions.pending()
    assert tx.state == q["state"] and tx.nonce == q["nonce"] and tx.code_verifier not in u


def test_scopes_can_narrow_but_never_widen(hub):
    async def run():
        auth = HFSignIn(env=local_environment(hub.space_url + "/", variables=hub.devhub.variables))
        try:
            with pytest.raises(SignInError) as e:
                await auth.login_url(scopes="openid write-repos")
            return e.value
        finally:
            await auth.env.transport.aclose()
    assert asyncio.run(run()).code == "invalid_config"


def test_denied(hub):
    auth, err = signin(hub, approve=False)
    assert err.code == "access_denied" and auth.env.navigator.url == hub.space_url + "/"
    assert not hub.events("token")


def test_callback_replayed_after_success_does_not_exchange_again(hub):
    auth, session = signin(hub)
    location = auth.env.navigator.replaced[0]
    assert "code" not in location


def test_storage_cleared_mid_flow_is_transaction_missing(hub):
    storage = MemoryStorage()
    auth, err = signin(hub, storage=storage, before_return=lambda: storage.data.clear())
    assert err.code == "transaction_missing" and not hub.events("token")


ID_TOKEN_DEFECTS = ["bad_signature", "wrong_iss", "wrong_aud", "multi_aud_no_azp", "wrong_nonce", "no_nonce",
                    "expired", "iat_old", "nbf_future", "alg_none", "hs256", "unknown_kid", "no_kid_ambiguous",
                    "missing_sub", "missing_iat", "missing_exp", "malformed", "crit"]


@pytest.mark.parametrize("defect", [d for d in ID_TOKEN_DEFECTS if d != "no_kid_ambiguous"])
def test_every_id_token_defect_is_refused(hub, defect):
    auth, err = signin(hub, before_return=lambda: hub.fault("token", id_token=defect))
    assert isinstance(err, SignInError) and err.code == "invalid_id_token", (defect, err)
    assert auth.restore() is None


@pytest.mark.parametrize("defect", ["aud_array", "no_kid"])
def test_harmless_id_token_variants_are_accepted(hub, defect):
    _, session = signin(hub, before_return=lambda: hub.fault("token", id_token=defect))
    assert not isinstance(session, SignInError), session


@pytest.mark.parametrize("fault,code", [
    ({"endpoint": "userinfo", "patch": {"sub": "000000000000000000000000"}}, "userinfo_mismatch"),
    ({"endpoint": "userinfo", "status": 500, "body": "<h1>oops</h1>", "content_type": "text/html"}, "userinfo_failed"),
    ({"endpoint": "token", "status": 500, "body": "<html>boom</html>", "content_type": "text/html"}, "token_request_failed"),
    ({"endpoint": "token", "status": 503, "body": "", "headers": {"Retry-After": "20"}}, "token_request_failed"),
    ({"endpoint": "token", "status": 200, "body": "[1,2]"}, "invalid_token_response"),
    ({"endpoint": "token", "status": 200, "body": "{oops"}, "invalid_token_response"),
    ({"endpoint": "token", "patch": {"token_type": "mac"}}, "invalid_token_response"),
    ({"endpoint": "token", "patch": {"access_token": None}}, "invalid_token_response"),
    ({"endpoint": "jwks", "status": 500, "body": "down"}, "invalid_id_token"),
    ({"endpoint": "jwks", "patch": {"keys": []}, "count": 2}, "invalid_id_token"),  # refetched once
])
def test_provider_faults_become_clear_errors(hub, fault, code):
    storage = MemoryStorage()

    def arm():
        storage.data.pop(f"hfsignin:cache:jwks:{hub.hub_url}/oauth/jwks", None)
        hub.fault(**fault)
    auth, err = signin(hub, storage=storage, before_return=arm)
    assert isinstance(err, SignInError) and err.code == code, err
    assert "hf_oauth_" not in str(err) + err.detail


def test_a_hanging_token_endpoint_times_out(hub):
    auth, err = signin(hub, timeout=1.0, before_return=lambda: hub.fault("token", delay=3))
    assert err.code == "timeout" and "did not answer" in err.message


def test_expires_in_as_a_numeric_string_and_bearer_in_capitals(hub):
    _, session = signin(hub, before_return=lambda: hub.fault("token", patch={"expires_in": "600", "token_type": "BEARER"}))
    assert 590 < session.expires_at - session.created_at <= 600


def test_granted_scope_narrower_than_requested_is_what_the_session_has(hub):
    _, session = signin(hub, before_return=lambda: hub.fault("token", patch={"scope": "openid profile"}))
    assert session.scopes == ("openid", "profile") and not session.can_read_private_repos


def test_hub_api_with_the_session(hub):
    async def run():
        env = local_environment(hub.space_url + "/", variables=hub.devhub.variables)
        auth = HFSignIn(env=env)
        url = await auth.login_url()
        agent = HubBrowser(hub.hub_url)
        env.navigator.url = agent.authorize(dict(parse_qsl(urlsplit(url).query)), user="prolific").headers["location"]
        agent.close()
        await auth.handle_redirect()
        me = await auth.api.whoami()
        total = 0
        async for page in auth.api.list_models(author="prolific", limit=500, expand=["likes"]):
            total += len(page.repos)
        hub.revoke("prolific")
        with pytest.raises(SignInError) as e:
            await auth.api.list_datasets(author="prolific").next_page()
        await env.transport.aclose()
        return me, total, e.value, auth
    me, total, err, auth = asyncio.run(run())
    assert me["name"] == "prolific" and total == 1200
    assert err.code == "session_expired" and auth.session is None and auth.restore() is None
