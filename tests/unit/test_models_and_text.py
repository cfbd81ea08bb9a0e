from datetime import UTC, datetime, timedelta

import pytest

from hfsignin.errors import clean_text
from hfsignin.models import Org, Repo, UserInfo
from space_app.text import compact_number, countdown, display_text, relative_time

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def test_userinfo_tolerates_unknown_and_wrongly_typed_fields():
    u = UserInfo.parse({"sub": "1", "name": ["x"], "isPro": "yes", "email": 5, "orgs": [{"sub": "o"}, "junk", {}],
                        "new_field": {"a": 1}})
    assert u.name is None and u.is_pro is False and u.email is None and [o.sub for o in u.orgs] == ["o"]
    assert u.raw["new_field"] == {"a": 1}
    assert UserInfo.parse({"name": "no sub"}) is None and UserInfo.parse([]) is None


def test_org_fields():
    o = Org.parse({"sub": "o1", "name": "Org", "preferred_username": "org", "plan": "team", "roleInOrg": "read",
                   "canPay": True, "securityRestrictions": ["mfa", 3]})
    assert (o.plan, o.role_in_org, o.can_pay, o.security_restrictions) == ("team", "read", True, ("mfa",))


def test_repo_parsing():
    r = Repo.parse("model", {"id": "a/b", "private": True, "gated": "manual", "likes": 3, "downloads": -1,
                             "lastModified": "2026-11-01T10:00:00.000Z"})
    assert (r.author, r.name, r.private, r.gated, r.likes, r.downloads) == ("a", "b", True, "manual", 3, None)
    assert r.last_modified == datetime(2026, 11, 1, 10, tzinfo=UTC)
    assert Repo.parse("model", {"id": "a/b", "gated": True}).gated == "auto"
    assert Repo.parse("model", {"id": "a/b", "lastModified": "not a date"}).last_modified is None
    for bad in ({"id": "<img src=x>/y"}, {"id": "a/b/c"}, {"id": ""}, {}, "x"):
        assert Repo.parse("model", bad) is None


@pytest.mark.parametrize("raw,shown", [
    ("Alice", "Alice"),
    ("<script>alert(1)</script>", "<script>alert(1)</script>"),  # text, not markup: the DOM gets textContent
    ("a\u202eevil\u202c", "aevil"),
    ("zero\u200bwidth\ufeff", "zerowidth"),
    ("line\nbreak\ttab", "line break tab"),
    ("x" * 200, "x" * 79 + "…"),
    (None, ""), (42, ""),
])
def test_case_30_display_text(raw, shown):
    assert display_text(raw) == shown


def test_clean_text_bounds():
    assert len(clean_text("y" * 10_000)) == 300


@pytest.mark.parametrize("n,text", [(None, "–"), (0, "0"), (999, "999"), (1000, "1k"), (1234, "1.2k"),
                                    (45_000, "45k"), (902_113, "902k"), (1_260_000, "1.3M"), (3_000_000_000, "3B")])
def test_compact_number(n, text):
    assert compact_number(n) == text


@pytest.mark.parametrize("delta,text", [
    (timedelta(seconds=5), "just now"), (timedelta(minutes=1), "1 minute ago"), (timedelta(minutes=59), "59 minutes ago"),
    (timedelta(hours=3), "3 hours ago"), (timedelta(days=1), "yesterday"), (timedelta(days=12), "12 days ago"),
    (timedelta(days=65), "2 months ago"), (timedelta(days=800), "2 years ago"), (timedelta(days=-3), "just now"),
])
def test_relative_time(delta, text):
    assert relative_time(NOW - delta, NOW) == text


@pytest.mark.parametrize("seconds,text", [(28800, "8 h 00 min"), (28799, "7 h 59 min"), (245, "4 min 05 s"),
                                          (12, "12 s"), (-5, "0 s"), (3 * 86400 + 7200, "3 d 2 h")])
def test_countdown(seconds, text):
    assert countdown(seconds) == text


@pytest.mark.parametrize("invisible", ["\u00ad", "\u061c", "\u2060", "\u2061", "\u2062", "\u2063", "\u2064",
                                       "\U000e0041", "\U000e007f", "\u202e", "\u200b", "\ufeff"])
def test_clean_text_drops_characters_that_hide_or_reorder_text(invisible):
    assert clean_text(f"ali{invisible}ce") == "alice"


def test_clean_text_bounds_huge_input_without_reading_it_all():
    assert clean_text("a" * 10_000_000, 40) == "a" * 39 + "…"
