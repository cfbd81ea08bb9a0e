"""The repository lists' view in plain Python (no browser): the sort orders the Hub uses, the
view kept for a reload (sort and open tab), and the words for counts and folded empty groups."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime

TAB_NAMES = ("models", "datasets", "spaces")
# select value -> (the Hub's sort, direction); Spaces have no downloads, so they fall back to likes
SORTS = {"lastModified": ("lastModified", -1), "likes": ("likes", -1), "downloads": ("downloads", -1), "id": ("id", 1)}
VIEW_KEY = "hfsignin-app:view"  # sessionStorage: this tab's sort and open tab, across reloads
_OLDEST = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class View:
    sort: str = "lastModified"
    tab: str = "models"

    def but(self, **changes) -> View:
        return replace(self, **changes)


def parse_view(text: object) -> View:
    """A stored view, trusting nothing: what is not a known sort or tab stays the default."""
    try:
        data = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return View()
    sort, tab = data.get("sort"), data.get("tab")
    return View(sort=sort if isinstance(sort, str) and sort in SORTS else View.sort,
                tab=tab if isinstance(tab, str) and tab in TAB_NAMES else View.tab)


def dump_view(view: View) -> str:
    return json.dumps({"sort": view.sort, "tab": view.tab})


def hub_sort(kind: str, key: str) -> tuple[str, int]:
    """The listing's ``sort`` and ``direction`` for a select value."""
    sort, direction = SORTS[key]
    if kind == "space" and sort == "downloads":
        sort = "likes"
    return sort, direction


def _value(repo, sort: str):
    if sort == "lastModified":
        return repo.last_modified or _OLDEST
    return -1 if getattr(repo, sort) is None else getattr(repo, sort)


def sort_repos(repos, kind: str, key: str) -> list:
    """``repos`` in the order the Hub lists them for ``key``: by name (case-insensitive) first,
    then, for every sort but the name, by the value, largest first, ties keeping name order.
    A missing value sorts as the smallest."""
    by_name = sorted(repos, key=lambda r: r.id.lower())
    sort, direction = hub_sort(kind, key)
    if sort == "id":
        return by_name if direction > 0 else by_name[::-1]
    return sorted(by_name, key=lambda r: _value(r, sort), reverse=direction < 0)


def count_text(count: int, more: bool) -> str:
    """A count as the tabs and group titles show it: thousands separated, "+" when more may exist."""
    return f"{count:,}{'+' if more else ''}"


def folded_line(noun: str, owners: list[str], public_only: bool) -> str:
    """One line for every group with nothing to show: "No models in org-a, org-b." ("" for none)."""
    if not owners:
        return ""
    return f"No {'public ' if public_only else ''}{noun} in {', '.join(owners)}."
