"""devhub's provider rules, each proven over HTTP: discovery, authorize, consent,
token (PKCE, single use, client auth), userinfo and refresh rotation."""

import base64
import re

from harness import Attempt, redirect_params


def code_for(agent, a, **kw):
    params = redirect_params(agent.authorize(a.params, **kw))
    assert params["state"] == a.state
    return params["code"]


def test_discovery_document(http, hub):
    doc = http.get("/.well-known/openid-configuration").json()
    assert doc["issuer"] == hub.hub_url
    assert doc["authorization_endpoint"] == f"{hub.hub_url}/oauth/authorize"
    assert doc["response_types_supported"] == ["code"]
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert set(doc["token_endpoint_auth_methods_supported"]) == {"none", "client_secret_basic", "client_secret_post"}
    assert {"openid", "profile", "email", "read-repos"} <= set(doc["scopes_supported"])
    assert set(doc["grant_types_supported"]) == {"authorization_code", "refresh_token"}


def test_full_flow_response_is_huggingface_shaped(agent, http, attempt):
    a = attempt(scope="openid profile email")
    code = code_for(agent, a)
    r = http.post("/oauth/token", data=a.token_form(code))
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    t = r.json()
    assert t["access_token"].startswith("hf_oauth_") and t["token_type"] == "bearer"
    assert t["expires_in"] == 480 * 60 and t["scope"] == "openid profile email"
    assert t["id_token"].count(".") == 2 and t["refresh_token"]


def test_consent_is_remembered_with_a_303_unless_prompt_consent(agent, attempt):
    code_for(agent, attempt())
    again = agent.authorize(attempt().params)
    assert again.status_code == 303 and "code=" in again.headers["location"]
    forced = agent.http.get("/oauth/authorize", params=attempt(prompt="consent").params)
    assert forced.status_code == 200 and 'data-action="approve"' in forced.text
    wider = agent.http.get("/oauth/authorize", params=attempt(scope="openid profile read-repos").params)
    assert wider.status_code == 200 and 'data-action="approve"' in wider.text


def test_deny_redirects_with_access_denied_and_the_state(agent, attempt):
    a = attempt()
    params = redirect_params(agent.authorize(a.params, approve=False))
    assert params["error"] == "access_denied" and params["state"] == a.state and params["error_description"]
    assert "code" not in params


def test_sign_in_and_consent_pages_can_be_framed_by_the_hub_only(agent, attempt, hub):
    """As on huggingface.co, where Gradio Spaces sign in inside the Space page's frame."""
    page = agent.http.get("/oauth/authorize", params=attempt().params)
    assert 'data-login="alice"' in page.text and 'data-login="bob"' in page.text
    code_for(agent, attempt())  # signs in
    consent = agent.http.get("/oauth/authorize", params=attempt(prompt="consent").params)
    assert 'data-action="approve"' in consent.text
    for resp in (page, consent):
        assert resp.headers["x-frame-options"] == "SAMEORIGIN"
        assert resp.headers["content-security-policy"] == "frame-ancestors 'self'"
        assert "access-control-allow-origin" not in resp.headers
    assert hub.settings(framing="deny")["framing"] == "deny"
    denied = agent.http.get("/oauth/authorize", params=attempt().params)
    assert denied.headers["x-frame-options"] == "DENY"
    assert denied.headers["content-security-policy"] == "frame-ancestors 'none'"
    hub.settings(framing="any")
    anyone = agent.http.get("/oauth/authorize", params=attempt().params)
    assert "x-frame-options" not in anyone.headers and "content-security-policy" not in anyone.headers


def test_consent_words_follow_huggingface_docs():
    from devhub.pages import SCOPE_WORDS
    from devhub.provider import SCOPES_SUPPORTED

    assert set(SCOPE_WORDS) == set(SCOPES_SUPPORTED)
    contribute = SCOPE_WORDS["contribute-repos"]
    assert "Create repositories" in contribute and "this app created" in contribute
    assert "pull request" not in contribute.lower()
    assert "role" in SCOPE_WORDS["read-memberships"]


def test_unknown_client_or_bad_redirect_is_an_error_page_never_a_redirect(agent, attempt, hub):
    for params in (attempt(client_id="nope").params, attempt(redirect_uri="https://evil.example/").params,
                   attempt(redirect_uri="http://localhost:1/").params, {**attempt().params, "client_id": None}):
        r = agent.http.get("/oauth/authorize", params={k: v for k, v in params.items() if v is not None})
        assert r.status_code == 400 and "location" not in r.headers, params
        assert 'role="alert"' in r.text


def test_any_url_on_the_space_origin_is_a_valid_redirect(agent, attempt, hub):
    a = attempt(redirect_uri=hub.space_url + "/some/path?x=1")
    assert redirect_params(agent.authorize(a.params))["code"]


def test_scopes_beyond_the_app_or_without_openid_are_refused_by_redirect(agent, attempt):
    for scope in ("openid profile write-repos", "profile email"):
        a = attempt(scope=scope)
        params = redirect_params(agent.http.get("/oauth/authorize", params=a.params))
        assert params["error"] == "invalid_scope" and params["state"] == a.state


def test_pkce_is_s256_only_and_required_for_public_clients(agent, attempt, hub):
    for extra in ({"code_challenge_method": "plain"}, {"code_challenge_method": None},
                  {"client_id": "devhub-public-app", "redirect_uri": "http://localhost:7777/callback",
                   "code_challenge": None, "code_challenge_method": None}):
        a = attempt(**extra)
        params = redirect_params(agent.http.get("/oauth/authorize", params=a.params))
        assert params["error"] == "invalid_request" and params["state"] == a.state, extra


def test_a_space_app_exchange_without_secret_needs_the_verifier(agent, http, attempt):
    # Space apps also have a secret (for server-side Spaces), so authorize accepts no
    # challenge; but then a secret-less token request has nothing to prove itself with.
    a = attempt(code_challenge=None, code_challenge_method=None)
    code = code_for(agent, a)
    r = http.post("/oauth/token", data=a.token_form(code, code_verifier=None))
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"


def test_case_14_wrong_or_missing_verifier_is_invalid_grant(agent, http, attempt):
    a = attempt()
    code = code_for(agent, a)
    r = http.post("/oauth/token", data=a.token_form(code, code_verifier="x" * 43))
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    b = attempt()
    code = code_for(agent, b)
    r = http.post("/oauth/token", data=b.token_form(code, code_verifier=None))
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"


def test_code_is_bound_to_its_redirect_uri(agent, http, attempt, hub):
    a = attempt()
    code = code_for(agent, a)
    r = http.post("/oauth/token", data=a.token_form(code, redirect_uri=hub.space_url + "/other"))
    assert r.json()["error"] == "invalid_grant"


def test_case_13_a_reused_code_is_refused_and_revokes_its_tokens(agent, http, attempt, hub):
    a = attempt()
    code = code_for(agent, a)
    first = http.post("/oauth/token", data=a.token_form(code)).json()
    bearer = {"Authorization": f"Bearer {first['access_token']}"}
    assert http.get("/oauth/userinfo", headers=bearer).status_code == 200
    second = http.post("/oauth/token", data=a.token_form(code))
    assert second.status_code == 400 and second.json()["error"] == "invalid_grant"
    assert http.get("/oauth/userinfo", headers=bearer).status_code == 401
    assert [e["revoked"] for e in hub.events("code_reuse")] == [1]


def test_expired_code_is_refused(agent, http, attempt, hub):
    hub.settings(code_lifetime=1)
    a = attempt()
    code = code_for(agent, a)
    import time

    time.sleep(1.2)
    assert http.post("/oauth/token", data=a.token_form(code)).json()["error"] == "invalid_grant"


def test_huggingface_accepts_a_pkce_exchange_without_client_id(agent, http, attempt):
    a = attempt()
    code = code_for(agent, a)
    r = http.post("/oauth/token", data=a.token_form(code, client_id=None))
    assert r.status_code == 200, r.text


def test_confidential_client_basic_and_post(agent, http, hub):
    for method in ("basic", "post"):
        a = Attempt(hub, client_id="devhub-confidential-app", redirect_uri="http://127.0.0.1:4321/callback",
                    code_challenge=None, code_challenge_method=None)
        code = code_for(agent, a)
        form = a.token_form(code, code_verifier=None)
        if method == "basic":
            cred = base64.b64encode(b"devhub-confidential-app:devhub-confidential-secret").decode()
            r = http.post("/oauth/token", data={k: v for k, v in form.items() if k != "client_id"},
                          headers={"Authorization": f"Basic {cred}"})
        else:
            r = http.post("/oauth/token", data={**form, "client_secret": "devhub-confidential-secret"})
        assert r.status_code == 200, (method, r.text)
        assert r.json()["expires_in"] == 3600
    a = Attempt(hub, client_id="devhub-confidential-app", redirect_uri="http://127.0.0.1/callback",
                code_challenge=None, code_challenge_method=None)
    code = code_for(agent, a)
    bad = http.post("/oauth/token", data={**a.token_form(code, code_verifier=None), "client_secret": "wrong"})
    assert bad.status_code in (400, 401) and bad.json()["error"] == "invalid_client"


def test_developer_app_redirects_exact_or_any_loopback_port(agent, hub):
    ok = ["http://localhost/callback", "http://localhost:9999/callback", "https://app.example.com/callback"]
    bad = ["http://localhost:9999/other", "https://app.example.com/callback/", "http://localhost/callback?x=1",
           "https://app.example.com:444/callback", "http://evil.example/callback"]
    for uri in ok:
        assert redirect_params(agent.authorize(Attempt(hub, client_id="devhub-public-app", redirect_uri=uri).params))["code"]
    for uri in bad:
        r = agent.http.get("/oauth/authorize", params=Attempt(hub, client_id="devhub-public-app", redirect_uri=uri).params)
        assert r.status_code == 400, uri


def test_userinfo_shape_orgs_email_and_billing(agent, http, attempt):
    a = attempt(scope="openid profile")
    token = http.post("/oauth/token", data=a.token_form(code_for(agent, a, orgs=["tea-party-ai"]))).json()
    info = http.get("/oauth/userinfo", headers={"Authorization": f"Bearer {token['access_token']}"}).json()
    assert info["preferred_username"] == "alice" and info["isPro"] is True and len(info["sub"]) == 24
    assert info["picture"].endswith("/avatars/alice.svg") and info["profile"].endswith("/alice")
    assert "email" not in info and "canPay" not in info
    assert [o["preferred_username"] for o in info["orgs"]] == ["tea-party-ai"]
    org = info["orgs"][0]
    assert org["roleInOrg"] == "read" and org["plan"] == "team" and set(org) >= {"sub", "name", "picture"}
    b = attempt(scope="openid profile email read-repos", prompt="consent")
    token = http.post("/oauth/token", data=b.token_form(code_for(agent, b, orgs=[]))).json()
    info = http.get("/oauth/userinfo", headers={"Authorization": f"Bearer {token['access_token']}"}).json()
    assert info["email"] == "alice@wonderland.example" and info["email_verified"] is True and info["orgs"] == []


def test_userinfo_refuses_tokens_outside_the_header(agent, http, attempt):
    a = attempt()
    token = http.post("/oauth/token", data=a.token_form(code_for(agent, a))).json()["access_token"]
    r = http.get("/oauth/userinfo", params={"access_token": token})
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    r = http.get("/oauth/userinfo")
    assert r.status_code == 401
    r = http.get("/oauth/userinfo", headers={"Authorization": "Bearer hf_oauth_forged"})
    assert r.status_code == 401 and 'error="invalid_token"' in r.headers["www-authenticate"]


def test_expired_and_revoked_tokens_get_401(agent, http, attempt, hub):
    hub.settings(expires_in=1)
    a = attempt()
    t = http.post("/oauth/token", data=a.token_form(code_for(agent, a))).json()
    assert t["expires_in"] == 1
    import time

    time.sleep(1.1)
    r = http.get("/api/whoami-v2", headers={"Authorization": f"Bearer {t['access_token']}"})
    assert r.status_code == 401 and 'error="invalid_token"' in r.headers["www-authenticate"]
    hub.settings(expires_in=None)
    b = attempt()
    t = http.post("/oauth/token", data=b.token_form(code_for(agent, b))).json()
    assert hub.revoke("alice") >= 1
    assert http.get("/oauth/userinfo", headers={"Authorization": f"Bearer {t['access_token']}"}).status_code == 401


def test_refresh_rotates_and_reuse_revokes_the_family(agent, http, attempt, hub):
    a = attempt()
    first = http.post("/oauth/token", data=a.token_form(code_for(agent, a))).json()
    refresh = {"grant_type": "refresh_token", "client_id": hub.client_id}
    second = http.post("/oauth/token", data={**refresh, "refresh_token": first["refresh_token"]}).json()
    assert second["access_token"] != first["access_token"] and second["refresh_token"] != first["refresh_token"]
    assert second["token_type"] == "bearer" and second["scope"] == "openid profile"
    ok = {"Authorization": f"Bearer {second['access_token']}"}
    assert http.get("/oauth/userinfo", headers=ok).status_code == 200
    assert http.get("/oauth/userinfo", headers={"Authorization": f"Bearer {first['access_token']}"}).status_code == 200
    # Reusing the rotated refresh token looks like theft: the whole family ends.
    reuse = http.post("/oauth/token", data={**refresh, "refresh_token": first["refresh_token"]})
    assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_grant"
    assert http.get("/oauth/userinfo", headers=ok).status_code == 401
    assert http.post("/oauth/token", data={**refresh, "refresh_token": second["refresh_token"]}).status_code == 400
    assert hub.events("refresh_reuse")


def test_connected_applications_lists_the_app_and_revoke_ends_its_tokens_and_consent(agent, http, attempt, hub):
    """The page the app's sign-out note links to (HF: Settings → Connected applications)."""
    assert agent.http.get("/settings/connected-applications").status_code == 401  # nobody signed in to the hub yet
    a = attempt(scope="openid profile email")
    tokens = http.post("/oauth/token", data=a.token_form(code_for(agent, a))).json()
    page = agent.http.get("/settings/connected-applications")
    assert page.status_code == 200 and f'data-app="{hub.client_id}"' in page.text
    assert "See your email address" in page.text
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert http.get("/oauth/userinfo", headers=bearer).status_code == 200
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    assert agent.http.post(f"/settings/connected-applications/{hub.client_id}/revoke", data={"csrf": "x"}).status_code == 400
    r = agent.http.post(f"/settings/connected-applications/{hub.client_id}/revoke", data={"csrf": csrf})
    assert r.status_code == 303
    assert http.get("/oauth/userinfo", headers=bearer).status_code == 401
    refresh = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], "client_id": hub.client_id}
    assert http.post("/oauth/token", data=refresh).status_code in (400, 401)
    assert "data-empty" in agent.http.get("/settings/connected-applications").text
    again = agent.http.get("/oauth/authorize", params=attempt().params)
    assert again.status_code == 200 and 'data-action="approve"' in again.text  # consent is asked again
