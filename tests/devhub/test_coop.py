"""--coop: Cross-Origin-Opener-Policy on the hub's sign-in documents (the sign-in page, the
consent page, their redirects), so popup sign-in is tested with and without an opener. Off by
default: whether huggingface.co sends it there is unknown (docs/devhub.md)."""

import html
import re

import httpx
import pytest

from devhub import DevHub, Options
from devhub.__main__ import parse_args
from devhub.probe import coop, run
from flows import launched_with
from harness import Attempt, HubBrowser, redirect_params

COOP = "cross-origin-opener-policy"
PROBE_ROW = "authorize: Cross-Origin-Opener-Policy, unknown at HF (--coop)"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
NEXT = re.compile(r'name="next" value="([^"]+)"')


def walk(agent: HubBrowser, attempt: Attempt) -> dict[str, httpx.Response]:
    """Every response of one sign-in, signed out at first: the sign-in page, the sign-in form's
    answer, the consent page and the consent form's answer (the redirect back to the app)."""
    seen = {"sign-in page": agent.http.get("/oauth/authorize", params=attempt.params)}
    assert 'data-login="alice"' in seen["sign-in page"].text
    page = seen["sign-in page"].text
    seen["POST /login"] = agent.http.post("/login", data={
        "csrf": CSRF.search(page).group(1), "username": "alice", "next": html.unescape(NEXT.search(page).group(1))})
    assert seen["POST /login"].status_code == 303
    seen["consent page"] = agent.http.get(seen["POST /login"].headers["location"])
    assert 'data-action="approve"' in seen["consent page"].text
    seen["POST consent"] = agent.http.post("/oauth/authorize", params=attempt.params, data={
        "csrf": CSRF.search(seen["consent page"].text).group(1), "action": "approve"})
    assert seen["POST consent"].status_code == 303
    return seen


def deny_consent(agent: HubBrowser, attempt: Attempt) -> httpx.Response:
    """The consent page (already signed in) and its answer: denied."""
    page = agent.http.get("/oauth/authorize", params=attempt.params)
    assert 'data-action="approve"' in page.text and page.headers.get(COOP) == "same-origin"
    return agent.http.post("/oauth/authorize", params=attempt.params, data={
        "csrf": CSRF.search(page.text).group(1), "action": "deny"})


def others(hub, code: str, attempt: Attempt) -> dict[str, httpx.Response]:
    """Responses that are not sign-in documents: the token side, the API, other pages, control."""
    with httpx.Client(base_url=hub.hub_url, timeout=30) as h:
        token = h.post("/oauth/token", data=attempt.token_form(code))
        assert token.status_code == 200
        auth = {"Authorization": f"Bearer {token.json()['access_token']}"}
        return {
            "token": token,
            "token error": h.post("/oauth/token", data=attempt.token_form(code)),  # a used code
            "userinfo": h.get("/oauth/userinfo", headers=auth),
            "whoami": h.get("/api/whoami-v2", headers=auth),
            "models": h.get("/api/models?limit=1"),
            "jwks": h.get("/oauth/jwks"),
            "discovery": h.get("/.well-known/openid-configuration"),
            "token preflight": h.options("/oauth/token", headers={
                "Origin": hub.space_url, "Access-Control-Request-Method": "POST"}),
            "home page": h.get("/"),
            "control": h.post("/_devhub/settings", json={}),
        }


def test_off_by_default(hub, agent, attempt):
    assert hub.settings()["coop"] == "none"
    a = attempt()
    for name, resp in walk(agent, a).items():
        assert COOP not in resp.headers, name


def test_same_origin_on_every_sign_in_document_and_nowhere_else(hub, agent, attempt):
    assert hub.settings(coop="same-origin")["coop"] == "same-origin"
    a = attempt()
    seen = walk(agent, a)
    for name, resp in seen.items():
        assert resp.headers.get(COOP) == "same-origin", name
    code = redirect_params(seen["POST consent"])["code"]
    # Consent again (prompt=consent), then denied: the redirect back carries it too.
    again = deny_consent(agent, attempt(prompt="consent"))
    assert again.status_code == 303 and "error=access_denied" in again.headers["location"]
    assert again.headers.get(COOP) == "same-origin"
    # The authorize endpoint's error page (unknown client) is a sign-in document too.
    bad = agent.http.get("/oauth/authorize", params={**a.params, "client_id": "nobody"})
    assert bad.status_code == 400 and bad.headers.get(COOP) == "same-origin"
    for name, resp in others(hub, code, a).items():
        assert COOP not in resp.headers, name


def test_a_json_fault_on_authorize_gets_no_coop(hub, agent, attempt):
    hub.settings(coop="same-origin")
    hub.fault("authorize", status=500, body='{"error": "boom"}', content_type="application/json")
    resp = agent.http.get("/oauth/authorize", params=attempt().params)
    assert resp.status_code == 500 and COOP not in resp.headers


def test_auto_login_redirect_carries_it():
    launched = DevHub(Options(hub_port=0, space_port=0, auto_login="alice", coop="same-origin")).start()
    try:
        a = Attempt(type("H", (), {"client_id": launched.space_app.client_id, "space_url": launched.space_url})())
        resp = httpx.get(launched.hub_url + "/oauth/authorize", params=a.params)
        assert redirect_params(resp)["code"] and resp.headers.get(COOP) == "same-origin"
    finally:
        launched.stop()


@pytest.mark.parametrize("value", ["unsafe-none", "same-origin-allow-popups", "SAME-ORIGIN", "", True, 1, ["none"]])
def test_control_refuses_a_bad_value(hub, value):
    hub.settings(coop="same-origin")
    r = hub.http.post("/_devhub/settings", json={"coop": value})
    assert r.status_code == 400
    assert r.json()["error"] == "coop is one of same-origin, none, or null"
    assert hub.settings()["coop"] == "same-origin"


def test_control_switches_it_and_reset_restores_the_launch_value(hub, agent, attempt):
    assert hub.settings(coop="same-origin")["coop"] == "same-origin"
    assert agent.http.get("/oauth/authorize", params=attempt().params).headers.get(COOP) == "same-origin"
    assert hub.settings(coop="none")["coop"] == "none"
    assert COOP not in agent.http.get("/oauth/authorize", params=attempt().params).headers
    hub.settings(coop="same-origin")
    hub.reset()
    assert hub.settings()["coop"] == "none"
    assert COOP not in agent.http.get("/oauth/authorize", params=attempt().params).headers


def test_launched_with_same_origin_null_and_reset_come_back_to_it():
    with launched_with("coop", "same-origin", "none") as (launched, control):
        page = control.get("/oauth/authorize", params={"client_id": launched.space_app.client_id})
        assert page.headers.get(COOP) == "same-origin"


def test_cli_flag(capsys):
    assert parse_args([]).coop == "none"
    assert parse_args(["--coop", "same-origin"]).coop == "same-origin"
    assert parse_args(["--coop", "none"]).coop == "none"
    with pytest.raises(SystemExit) as exc:
        parse_args(["--coop", "unsafe-none"])
    assert exc.value.code == 2 and "--coop" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parse_args(["--help"])
    assert "--coop {same-origin,none}" in capsys.readouterr().out


def test_probe_row_reads_the_setting(hub):
    rows = {r.check: r for r in run(hub.hub_url)}
    assert rows[PROBE_ROW].verdict == "pass"
    hub.settings(coop="same-origin")
    row = {r.check: r for r in run(hub.hub_url)}[PROBE_ROW]
    assert row.verdict == "differs" and "same-origin" in row.seen


def test_probe_reads_the_header_like_a_browser():
    assert coop("") == coop("unsafe-none") == coop(' Unsafe-None; report-to="x"') == "none"
    assert coop("same-origin") == coop('same-origin; report-to="endpoint"') == "same-origin"
    assert coop("same-origin-allow-popups") == "same-origin-allow-popups"
