"""README.md's front matter is a valid static Space card, and it agrees with
what the app asks for and with what devhub configures."""

import re
from pathlib import Path

import yaml

from devhub.seed import card_scopes
from devhub.server import read_card
from space_app.text import SCOPE_LABELS

ROOT = Path(__file__).resolve().parents[2]
APP_FEATURE_SCOPES = {"email": "the email line of the profile", "read-repos": "private repositories"}


def card() -> dict:
    text = (ROOT / "README.md").read_text()
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---", 2)[1])


def test_it_is_a_static_space_with_oauth():
    c = card()
    for key in ("title", "emoji", "colorFrom", "colorTo"):
        assert isinstance(c[key], str) and c[key], key
    assert c["sdk"] == "static" and c["app_file"] == "index.html" and c["hf_oauth"] is True
    colors = {"red", "yellow", "green", "blue", "indigo", "purple", "pink", "gray"}
    assert c["colorFrom"] in colors and c["colorTo"] in colors
    assert 1 <= c["hf_oauth_expiration_minutes"] <= 43200
    assert (ROOT / c["app_file"]).is_file()


def test_scopes_are_exactly_what_the_app_uses():
    c = card()
    assert set(c["hf_oauth_scopes"]) == set(APP_FEATURE_SCOPES)
    assert all(s in SCOPE_LABELS for s in c["hf_oauth_scopes"])  # the app can name every scope it shows


def test_the_authorized_org_example_is_there_but_commented():
    text = (ROOT / "README.md").read_text().split("---", 2)[1]
    assert re.search(r"^# hf_oauth_authorized_org: \S+", text, re.M)
    assert "hf_oauth_authorized_org" not in card()


def test_devhub_reads_the_same_card(devhub):
    assert read_card(ROOT / "README.md") == card()
    assert devhub.variables["OAUTH_SCOPES"].split() == card_scopes(card()) == ["openid", "profile", *card()["hf_oauth_scopes"]]
    assert devhub.space_app.expires_in == card()["hf_oauth_expiration_minutes"] * 60
