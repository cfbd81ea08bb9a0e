"""The repository tabs (Models, Datasets, Spaces) as an ARIA tablist: click, arrow keys, Home, End.
Each tab keeps its scroll position while the page lives; the open tab and the sort are kept in
this tab's sessionStorage, so a reload shows the same view."""

from __future__ import annotations

from pyscript import document, window

from .dom import on, q
from .listview import VIEW_KEY, View, dump_view, parse_view

KEYS = ("ArrowLeft", "ArrowRight", "Home", "End")


def target_tab(order: list[str], current: str, key: str) -> str | None:
    """The tab a key moves to from ``current``; None when the key is not for the tablist."""
    if key not in KEYS or current not in order:
        return None
    i = order.index(current)
    return {"ArrowLeft": order[i - 1], "ArrowRight": order[(i + 1) % len(order)],
            "Home": order[0], "End": order[-1]}[key]


def stored_view() -> View:
    """The view this tab kept; the default when there is none, it is not ours, or storage refuses."""
    try:
        return parse_view(window.sessionStorage.getItem(VIEW_KEY))
    except Exception:  # noqa: BLE001 - a blocked frame's sessionStorage throws on access
        return View()


def remember(**changes) -> None:
    """Keep part of the view (``sort=``, ``tab=``) for a reload; nothing when storage refuses."""
    try:
        window.sessionStorage.setItem(VIEW_KEY, dump_view(stored_view().but(**changes)))
    except Exception:  # noqa: BLE001 - blocked or full: the view is simply not kept
        pass


def top_row(panel):
    """The first row of ``panel`` whose bottom is below the viewport's top (rows are in page
    order, so a binary search: a few layout reads, not one per row); None when there is none."""
    rows = panel.querySelectorAll("[data-repo]")
    lo, hi = 0, rows.length
    while lo < hi:
        mid = (lo + hi) // 2
        if rows.item(mid).getBoundingClientRect().bottom <= 0:
            lo = mid + 1
        else:
            hi = mid
    return rows.item(lo) if lo < rows.length else None


class Tabs:
    def __init__(self, names) -> None:
        self.order = list(names)
        self.current: str | None = None
        self.scroll: dict[str, tuple] = {}  # as each tab was left: (scrollY, a row at the top, its offset)
        for name in self.order:
            on(q(f"#tab-{name}"), "click", lambda evt, n=name: self.select(n))
            on(q(f"#tab-{name}"), "keydown", self.keydown)
        tab = stored_view().tab
        self.select(tab if tab in self.order else self.order[0], keep=False)

    def select(self, tab: str, keep: bool = True) -> None:
        page = document.defaultView
        previous = self.current
        if previous is not None and previous != tab:
            row = top_row(q(f"#panel-{previous}"))
            self.scroll[previous] = (page.scrollY, row, row.getBoundingClientRect().top if row else 0)
        for name in self.order:
            selected = name == tab
            button = q(f"#tab-{name}")
            button.setAttribute("aria-selected", "true" if selected else "false")
            button.tabIndex = 0 if selected else -1
            q(f"#panel-{name}").hidden = not selected
        self.current = tab
        if previous is not None and previous != tab:
            self._scroll_back(tab)
        if keep:
            remember(tab=tab)

    def _scroll_back(self, tab: str) -> None:
        """Back where ``tab`` was left; a tab not seen yet starts no lower than the lists' top.
        A long list lays out its rows lazily (content-visibility), and a hidden panel forgets
        their sizes, so the row that was at the top is put back where it was."""
        page = document.defaultView
        if tab not in self.scroll:
            page.scrollTo(0, min(page.scrollY, q(".repos").getBoundingClientRect().top + page.scrollY))
            return
        y, row, offset = self.scroll[tab]
        page.scrollTo(0, y)
        if row is not None and row.isConnected:
            page.scrollBy(0, row.getBoundingClientRect().top - offset)

    def keydown(self, evt) -> None:
        target = target_tab(self.order, evt.target.dataset.kind, evt.key)
        if target is None:
            return
        evt.preventDefault()
        self.select(target)
        q(f"#tab-{target}").focus()
