"""--prompt-login: what /oauth/authorize does with prompt=login and prompt=select_account while an
account is signed in to the hub. Nothing public shows huggingface.co honouring them, so devhub
ignores them by default (straight on, as the signed-in account); honoured, it shows the account
picker first. And the other way to another account, which HF has: sign out of the hub."""

import html
import re

import httpx
import pytest

from devhub import DevHub, Options
from devhub.__main__ import parse_args
from devhub.probe import run
from flows import launched_with
from harness import Attempt, redirect_params

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
PROBE_ROW = "discovery: prompt=login, select_account advertised (--prompt-login)"


def picker(resp: httpx.Response) -> bool:
    return resp.status_code == 200 and 'data-login="bob"' in resp.text


def username(hub, agent, a: Attempt, resp: httpx.Response) -> str:
    """Whose sign-in the redirect back carries: its code exchanged, userinfo asked."""
    with httpx.Client(base_url=hub.hub_url, timeout=30) as h:
        token = h.post("/oauth/token", data=a.token_form(redirect_params(resp)["code"])).json()
        info = h.get("/oauth/userinfo", headers={"Authorization": f"Bearer {token['access_token']}"}).json()
    return info["preferred_username"]


@pytest.fixture
def alice(hub, agent, attempt):
    """The agent signed in to the hub as alice, who has granted the Space app already."""
    redirect_params(agent.authorize(attempt().params, user="alice"))
    return agent


@pytest.mark.parametrize("prompt", ["login", "select_account", "login consent"])
def test_ignored_by_default_the_signed_in_account_goes_on(hub, alice, attempt, prompt):
    assert hub.settings()["prompt_login"] == "ignored"
    a = attempt(prompt=prompt)
    resp = alice.http.get("/oauth/authorize", params=a.params)
    if "consent" in prompt:  # consent is still honoured: the consent page, as alice
        assert 'data-action="approve"' in resp.text and not picker(resp)
        resp = alice.authorize(a.params)
    assert username(hub, alice, a, resp) == "alice"
    assert hub.events("authorize")[-1]["prompt"] == prompt


def test_ignored_the_discovery_document_lists_no_prompt_values(http):
    assert "prompt_values_supported" not in http.get("/.well-known/openid-configuration").json()


@pytest.mark.parametrize("prompt", ["login", "select_account"])
def test_honoured_the_picker_comes_first_and_another_account_signs_in(hub, alice, attempt, prompt):
    hub.settings(prompt_login="honoured")
    a = attempt(prompt=prompt)
    page = alice.http.get("/oauth/authorize", params=a.params)
    assert picker(page) and 'data-current="alice"' in page.text
    resp = alice.authorize(a.params, user="bob")  # picks bob, who consents for the first time
    assert username(hub, alice, a, resp) == "bob"
    assert hub.events("authorize")[-1]["prompt"] == prompt
    # The picker answered that request only: the next one asks again, now showing bob.
    again = attempt(prompt=prompt)
    page = alice.http.get("/oauth/authorize", params=again.params)
    assert picker(page) and 'data-current="bob"' in page.text
    # Picking the same account (who has consented) goes straight back, without a loop.
    assert username(hub, alice, again, alice.authorize(again.params, user="bob")) == "bob"


def test_honoured_with_consent_the_consent_page_follows_the_picker(hub, alice, attempt):
    hub.settings(prompt_login="honoured")
    a = attempt(prompt="login consent")
    page = alice.http.get("/oauth/authorize", params=a.params)
    assert picker(page)
    login = alice.http.post("/login", data={"csrf": CSRF.search(page.text).group(1), "username": "alice",
                                            "next": html.unescape(re.search(r'name="next" value="([^"]+)"',
                                                                            page.text).group(1))})
    assert login.status_code == 303 and "prompt=login+consent" in login.headers["location"]
    consent = alice.http.get(login.headers["location"])
    assert 'data-action="approve"' in consent.text and not picker(consent)


def test_honoured_without_prompt_nothing_changes(hub, alice, attempt):
    hub.settings(prompt_login="honoured")
    a = attempt()
    assert username(hub, alice, a, alice.http.get("/oauth/authorize", params=a.params)) == "alice"


def test_honoured_the_discovery_document_lists_them(hub, http):
    hub.settings(prompt_login="honoured")
    doc = http.get("/.well-known/openid-configuration").json()
    assert doc["prompt_values_supported"] == ["consent", "login", "select_account"]


@pytest.mark.parametrize("mode", ["ignored", "honoured"])
def test_signed_out_the_picker_shows_either_way_without_a_current_account(hub, agent, attempt, mode):
    hub.settings(prompt_login=mode)
    page = agent.http.get("/oauth/authorize", params=attempt(prompt="login").params)
    assert picker(page) and "data-current" not in page.text


def test_auto_login_still_approves_at_once():
    launched = DevHub(Options(hub_port=0, space_port=0, auto_login="alice", prompt_login="honoured")).start()
    try:
        a = Attempt(type("H", (), {"client_id": launched.space_app.client_id, "space_url": launched.space_url})(),
                    prompt="login")
        assert redirect_params(httpx.get(launched.hub_url + "/oauth/authorize", params=a.params))["code"]
    finally:
        launched.stop()


# -- signing out of the hub: the way to another account when prompt=login is ignored ----------

def test_sign_out_of_the_hub_then_the_picker_shows(hub, alice, attempt):
    home = alice.http.get("/")
    assert 'action="/logout"' in home.text
    assert alice.http.get("/logout").status_code == 404  # no GET sign-out here (HF's is unknown)
    refused = alice.http.post("/logout", data={"csrf": "forged"})
    assert refused.status_code == 400
    assert redirect_params(alice.http.get("/oauth/authorize", params=attempt().params))["code"]  # still alice
    out = alice.http.post("/logout", data={"csrf": CSRF.search(home.text).group(1)})
    assert out.status_code == 303 and out.headers["location"] == "/"
    a = attempt(prompt="login")
    page = alice.http.get("/oauth/authorize", params=a.params)
    assert picker(page) and "data-current" not in page.text
    assert username(hub, alice, a, alice.authorize(a.params, user="bob")) == "bob"
    # alice's grant outlived the sign-out: signing in as her again skips consent.
    assert {g["user"] for g in hub.http.get("/_devhub/grants").json()} == {"alice", "bob"}


# -- the setting, the flag, the probe -----------------------------------------------------------

@pytest.mark.parametrize("value", ["honored", "HONOURED", "", True, 1, ["honoured"]])
def test_control_refuses_a_bad_value(hub, value):
    r = hub.http.post("/_devhub/settings", json={"prompt_login": value})
    assert r.status_code == 400
    assert r.json()["error"] == "prompt_login is one of honoured, ignored, or null"
    assert hub.settings()["prompt_login"] == "ignored"


def test_control_null_and_reset_restore_the_launch_value():
    with launched_with("prompt_login", "honoured", "ignored") as (launched, control):
        assert "login" in control.get("/.well-known/openid-configuration").json()["prompt_values_supported"]


def test_cli_flag(capsys):
    assert parse_args([]).prompt_login == "ignored"
    assert parse_args(["--prompt-login", "honoured"]).prompt_login == "honoured"
    with pytest.raises(SystemExit) as exc:
        parse_args(["--prompt-login", "yes"])
    assert exc.value.code == 2 and "--prompt-login" in capsys.readouterr().err


def test_probe_row_reads_the_discovery_document(hub):
    row = {r.check: r for r in run(hub.hub_url)}[PROBE_ROW]
    assert row.verdict == "pass" and row.seen == "no prompt_values_supported"
    hub.settings(prompt_login="honoured")
    row = {r.check: r for r in run(hub.hub_url)}[PROBE_ROW]
    assert row.verdict == "differs" and "login" in row.seen
