"""The repository lists' view in CPython (space_app.listview): the Hub's orders, rebuilt here for a
group that has every row (devhub's api.py sorts the same way), the view a reload keeps, read back
trusting nothing, and the words for counts and the folded empty organizations."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from devhub.api import SORT_KEYS
from hfsignin.models import Repo
from space_app.listview import (
    SORTS,
    TAB_NAMES,
    View,
    count_text,
    dump_view,
    folded_line,
    hub_sort,
    parse_view,
    sort_repos,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def repo(name, likes=0, downloads=0, days=0, kind="model", **extra):
    return Repo(kind=kind, id=f"o/{name}", likes=likes, downloads=downloads,
                last_modified=T0 + timedelta(days=days), **extra)


REPOS = [repo("b", 5, 10, 3), repo("A", 5, 30, 1), repo("c", 9, 20, 3), repo("d", 1, 30, 0), repo("E", 0, 0, 2)]


def devhub_order(repos, key, kind="model"):
    """What devhub's listing answers for ``key``, as api.list_repos sorts (its keys read the
    same attribute names as hfsignin's Repo): by id, then by the key, stable."""
    sort, direction = hub_sort(kind, key)
    ordered = sorted(repos, key=lambda r: r.id.lower())
    ordered.sort(key=SORT_KEYS[sort], reverse=direction != 1)
    return [r.id for r in ordered]


@pytest.mark.parametrize("key", list(SORTS))
def test_a_group_with_every_row_is_sorted_as_the_hub_lists_it(key):
    assert [r.id for r in sort_repos(REPOS, "model", key)] == devhub_order(REPOS, key)


def test_the_orders_by_hand():
    ids = lambda key: [r.id[2:] for r in sort_repos(REPOS, "model", key)]  # noqa: E731
    assert ids("lastModified") == ["b", "c", "E", "A", "d"]  # a tie keeps name order
    assert ids("likes") == ["c", "A", "b", "d", "E"]
    assert ids("downloads") == ["A", "d", "c", "b", "E"]
    assert ids("id") == ["A", "b", "c", "d", "E"]  # case-insensitive


def test_spaces_have_no_downloads_so_they_sort_by_likes():
    spaces = [repo("x", likes=1, kind="space"), repo("y", likes=7, kind="space")]
    assert hub_sort("space", "downloads") == ("likes", -1)
    assert [r.id for r in sort_repos(spaces, "space", "downloads")] == ["o/y", "o/x"]


def test_a_missing_value_sorts_last():
    bare = Repo(kind="model", id="o/bare")
    assert sort_repos([bare, *REPOS], "model", "likes")[-1] is bare
    assert sort_repos([bare, *REPOS], "model", "lastModified")[-1] is bare


def test_the_view_survives_a_round_trip():
    view = View(sort="downloads", tab="spaces")
    assert parse_view(dump_view(view)) == view
    assert View().but(tab="datasets") == View(sort="lastModified", tab="datasets")


@pytest.mark.parametrize("stored", [
    None, "", "{not json", "[]", "null", '"models"', '{"sort": 1, "tab": ["models"]}',
    '{"sort": "<img src=x>", "tab": "__proto__"}', '{"sort": "createdAt", "tab": "collections"}',
])
def test_a_stored_view_that_is_not_ours_is_the_default(stored):
    assert parse_view(stored) == View()


def test_a_stored_view_keeps_what_is_known_of_it():
    assert parse_view('{"sort": "likes", "tab": "nope"}') == View(sort="likes", tab="models")
    assert parse_view('{"tab": "datasets", "extra": 1}') == View(sort="lastModified", tab="datasets")


def test_the_tab_names_are_the_page_s():
    html = (Path(__file__).resolve().parents[2] / "index.html").read_text()
    assert tuple(re.findall(r'role="tab" id="tab-(\w+)"', html)) == TAB_NAMES


def test_counts_have_thousands_separators():
    assert count_text(1200, False) == "1,200"
    assert count_text(50, True) == "50+"
    assert count_text(0, False) == "0"
    assert count_text(1234567, True) == "1,234,567+"


def test_empty_organizations_fold_into_one_line():
    assert folded_line("models", [], False) == ""
    assert folded_line("models", ["Org A", "org-b"], False) == "No models in Org A, org-b."
    assert folded_line("Spaces", ["org-a"], True) == "No public Spaces in org-a."
