"""The Space card configures devhub's Space app: scopes, lifetime, authorized orgs."""

import pytest

from devhub import DevHub, Options
from harness import HubBrowser, redirect_params
from hfsignin.pkce import generate_verifier, random_token, s256_challenge

CARD = """---
title: Restricted
sdk: static
hf_oauth: true
hf_oauth_scopes: [email]
hf_oauth_expiration_minutes: 5
hf_oauth_authorized_org: wonderland-lab
---
"""


@pytest.fixture(scope="module")
def restricted(tmp_path_factory):
    readme = tmp_path_factory.mktemp("card") / "README.md"
    readme.write_text(CARD)
    hub = DevHub(Options(hub_port=0, space_port=0, readme=readme, space_id="wonderland-lab/members-only")).start()
    yield hub
    hub.stop()


def params(hub, scope="openid profile email"):
    return {"client_id": hub.space_app.client_id, "redirect_uri": hub.space_url + "/", "response_type": "code",
            "scope": scope, "state": random_token(), "code_challenge": s256_challenge(generate_verifier()),
            "code_challenge_method": "S256"}


def test_card_sets_scopes_and_lifetime(restricted):
    app = restricted.space_app
    assert app.scopes == ["openid", "profile", "email"] and app.expires_in == 300
    assert app.authorized_orgs == ["wonderland-lab"]


def test_members_of_the_authorized_org_get_in(restricted):
    agent = HubBrowser(restricted.hub_url)
    assert redirect_params(agent.authorize(params(restricted), user="carol"))["code"]
    agent.close()


def test_others_get_an_error_page(restricted):
    agent = HubBrowser(restricted.hub_url)
    resp = agent.authorize(params(restricted), user="bob")
    assert resp.status_code == 403 and "wonderland-lab" in resp.text and "location" not in resp.headers
    agent.close()


def test_scopes_the_card_did_not_ask_for_are_refused(restricted):
    agent = HubBrowser(restricted.hub_url)
    resp = agent.http.get("/oauth/authorize", params=params(restricted, "openid profile read-repos"))
    assert redirect_params(resp)["error"] == "invalid_scope"
    agent.close()
