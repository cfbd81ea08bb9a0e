"""Repository listings: Models / Datasets / Spaces for the user and each
shared organization, paged with "Load more", sortable, each group with its own
loading, empty and error states. A new sort keeps what is shown: a group that has
everything is re-sorted here, any other is fetched again in the new order, as many
rows as it showed. Organizations with nothing to show fold into one line per list."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

from pyscript import document, window

from hfsignin import Repo, SignInError
from hfsignin import errors as E

from .dom import clone, on, q, set_text, show, spawn
from .listview import SORTS, count_text, folded_line, hub_sort, sort_repos
from .profile import picture_for
from .tabs import remember, stored_view
from .text import auto_retry_wait, compact_number, countdown, display_text, error_words, relative_time

TABS = {"models": "model", "datasets": "dataset", "spaces": "space"}
NOUNS = {"model": "models", "dataset": "datasets", "space": "Spaces"}
EXPAND = {
    "model": ("private", "gated", "likes", "downloads", "lastModified"),
    "dataset": ("private", "gated", "likes", "downloads", "lastModified"),
    "space": ("private", "likes", "lastModified", "sdk"),
}
PAGE_SIZE = 50
MAX_PAGE = 1000  # the Hub's largest page


def repo_url(provider: str, repo: Repo) -> str:
    prefix = {"model": "", "dataset": "/datasets", "space": "/spaces"}[repo.kind]
    return f"{provider}{prefix}/{repo.id}"


class Group:
    """One owner's repositories of one kind."""

    def __init__(self, board: RepoBoard, kind: str, owner: str, label: str, avatar: str, folds: bool) -> None:
        self.board, self.kind, self.owner, self.label = board, kind, owner, label
        self.folds = folds  # with nothing to show, it leaves its place to the list's one line
        self.el = clone("tpl-group")
        self.el.dataset.owner = owner
        img = q(".group-title img", self.el)
        img.src = avatar
        set_text(q(".owner", self.el), label)
        self.rows = q(".rows", self.el)
        self.status = q(".group-status", self.el)
        self.more_button = q(".more", self.el)
        self.all = q(".load-all", self.el)
        on(self.more_button, "click", lambda evt: self.load_more(limit=PAGE_SIZE))
        on(self.all, "click", lambda evt: self.load_all())
        self.pager = None
        self.repos: list[Repo] = []  # what the rows show, in their order
        self.count = 0
        self.more = False  # more than the rows shown may exist (as the rows shown say)
        self.empty = False  # loaded, and nothing to show
        self.loading = False
        self.fresh = False  # the next page takes the place of the rows shown (a new order)
        self.epoch = 0  # a new pager makes what the old one still fetches stale
        self.waiting: asyncio.Future | None = None  # a "slow down" being waited out

    @property
    def has_more(self) -> bool:
        return self.pager is not None and self.pager.has_more

    @property
    def complete(self) -> bool:
        """Every row is here: nothing to fetch, nothing capped or in doubt, nothing under way."""
        return (self.pager is not None and not self.pager.has_more and not self.pager.capped
                and not self.pager.maybe_more and not self.loading and self.waiting is None)

    def _new_pager(self, sort_key: str, limit: int) -> None:
        self._stop_waiting()
        self.epoch += 1
        self.loading = False
        self.el.removeAttribute("aria-busy")
        sort, direction = hub_sort(self.kind, sort_key)
        self.pager = self.board.api.list(self.kind, author=self.owner, sort=sort, direction=direction,
                                         limit=limit, expand=EXPAND[self.kind])

    def reset(self, sort_key: str) -> None:
        self._new_pager(sort_key, PAGE_SIZE)
        self.rows.replaceChildren()
        self.rows.classList.remove("many")
        self.repos, self.count, self.more, self.fresh = [], 0, True, False
        self._set_empty(False)
        self._update_count()

    async def resort(self, sort_key: str) -> None:
        """The rows in a new order: sorted here when every row is here, else fetched again in
        that order, as many as were shown (the rows shown stay until the first page comes)."""
        if self.pager is None:
            return
        if self.complete:
            self.epoch += 1
            self.repos = sort_repos(self.repos, self.kind, sort_key)
            await self._append(self.repos, replace=True)
            return
        target = max(PAGE_SIZE, self.count)
        self._new_pager(sort_key, min(target, MAX_PAGE))
        self.fresh = True
        epoch, limit = self.epoch, min(target, MAX_PAGE)
        while await self.load_more(limit=limit) and epoch == self.epoch and self.count < target and self.has_more:
            limit = min(target - self.count, MAX_PAGE)

    def _update_count(self) -> None:
        text = "" if self.pager is None else count_text(self.count, self.more)
        set_text(q(".group-title .count", self.el), f"· {text}" if text else "")

    def _set_empty(self, empty: bool) -> None:
        self.empty = empty
        show(self.el, not (empty and self.folds))

    def _status(self, text: str, error: bool = False) -> None:
        self.status.classList.toggle("error", error)
        self.status.replaceChildren()
        if text:
            self.status.append(text)

    async def load_more(self, limit: int | None = None) -> bool:
        """Fetch and show the next page; False when nothing was loaded (done, busy or failed)."""
        if self.loading or self.pager is None or not self.pager.has_more:
            return False
        epoch, pager, replace = self.epoch, self.pager, self.fresh
        self.loading = True
        self.el.setAttribute("aria-busy", "true")
        show(self.more_button, False)
        show(self.all, False)
        self._status("Loading…")
        performance = document.defaultView.performance
        try:
            page = await pager.next_page(limit=limit)
            if epoch != self.epoch:
                return False  # a new order began meanwhile: this page is of the old one
            performance.mark("hfsignin:rows-received")
            await self._append(page.repos, replace=replace)
            performance.measure("hfsignin:render-rows", "hfsignin:rows-received")
        except SignInError as exc:
            if epoch == self.epoch:
                self._fail(exc)
            return False
        finally:
            if epoch == self.epoch:
                self.loading = False
                self.el.removeAttribute("aria-busy")
        if epoch != self.epoch:
            return False
        if replace:
            self.repos, self.fresh = [], False
        self.repos.extend(page.repos)
        self.count = len(self.repos)
        self.more = pager.has_more or pager.maybe_more
        self._update_count()
        show(self.more_button, self.has_more)
        show(self.all, self.has_more)
        self._set_empty(self.count == 0)
        if self.count == 0 and not self.folds:
            self._status(self.board.empty_text(self.kind))
        elif pager.capped:
            self._status("Stopped after many pages; open the profile on Hugging Face for the rest.")
        elif pager.maybe_more:
            self._status("More may exist: Hugging Face did not say whether there is a next page. "
                         "Open the profile on Hugging Face to see everything.")
        else:
            self._status("")
        self.board.update_counts()
        return True

    async def load_all(self) -> None:
        """Every remaining page, in pages of 1,000 (the Hub's largest)."""
        while self.has_more and await self.load_more(limit=MAX_PAGE):
            pass

    def _fail(self, exc: SignInError) -> None:
        if exc.code == E.SESSION_EXPIRED:
            self._status("")
            return  # the app shows the signed-out state
        wait = auto_retry_wait(exc.code, exc.retry_after)
        if wait is not None:
            self.waiting = spawn(self._retry_after(self.board.clock() + wait))
        else:
            self._show_failure(exc.message)
        self.board.update_counts()

    def _show_failure(self, message: str, label: str = "Retry"):
        """The error line with its retry button; returns the text node, for a countdown to update."""
        self._status("")
        self.status.classList.add("error")
        text = document.createTextNode(f"Could not load {NOUNS[self.kind]}: {message}")
        retry = document.createElement("button")
        retry.className = "btn small"
        retry.type = "button"
        retry.textContent = label
        retry.dataset.action = "retry-list"
        on(retry, "click", lambda evt: self._retry_now())
        self.status.append(text, retry)
        return text

    async def _retry_after(self, deadline: float) -> None:
        """A "slow down": say when, count down, then load again without a click."""
        message = error_words(E.RATE_LIMITED).message
        line = self._show_failure(message, "Retry now")
        while (left := deadline - self.board.clock()) > 0:
            line.data = f"Could not load {NOUNS[self.kind]}: {message} Trying again in {countdown(max(1.0, left))}."
            await asyncio.sleep(min(1.0, left))
        self.waiting = None
        await self.load_more()

    def _stop_waiting(self) -> None:
        if self.waiting is not None:
            self.waiting.cancel()
            self.waiting = None

    async def _retry_now(self) -> None:
        self._stop_waiting()
        await self.load_more()

    async def _append(self, repos, replace: bool = False) -> None:
        """All rows of a page in one call to static_site/render.js (strings decided here);
        returns once they are painted. ``replace``: they take the place of the rows shown."""
        now = datetime.now(UTC)
        provider = self.board.provider
        rows = []
        for repo in repos:
            modified = repo.last_modified
            iso = modified.isoformat() if modified else None  # +00:00: the title below is UTC
            rows.append({
                "id": repo.id,
                "href": repo_url(provider, repo),
                "private": repo.private,
                "gated": bool(repo.gated),
                "likes": f"♥ {compact_number(repo.likes)}",
                "downloads": None if repo.kind == "space" else f"↓ {compact_number(repo.downloads)}",
                "sdk": display_text(repo.sdk or "", 20) if repo.kind == "space" else None,
                "modified": f"updated {relative_time(modified, now)}" if modified else None,
                "iso": iso,
                "title": f"{iso[:10]} {iso[11:16]} UTC" if iso else None,
            })
        if rows:  # one string across the FFI: JSON is far cheaper than converting 1,000 dicts
            payload = json.dumps(rows)
            await asyncio.sleep(0)  # a task boundary: preparing and placing rows are not one long task
            await window.hfsigninRender.repoRows(self.rows, payload, replace)
        elif replace:
            self.rows.replaceChildren()
            self.rows.classList.remove("many")


class RepoBoard:
    """The tabs, the sort control and every Group."""

    def __init__(self, auth, session, clock) -> None:
        self.api = auth.api
        self.provider = auth.config.provider_url
        self.clock = clock
        self.session = session
        self.sort_key = stored_view().sort  # a reload keeps the sort (tabs.remember)
        me = session.user.preferred_username or ""
        owners = [(me, f"{display_text(me, 40)} (you)", picture_for(session.user.picture, self.provider))]
        for org in session.user.orgs:
            if org.preferred_username:
                owners.append((org.preferred_username, display_text(org.name or org.preferred_username, 60),
                               picture_for(org.picture, self.provider)))
        self.groups: dict[str, list[Group]] = {}
        self.folded: dict[str, object] = {}  # per list, the one line for the organizations without rows
        for tab, kind in TABS.items():
            panel = q(f'[data-repo-list="{tab}"]')
            panel.replaceChildren()
            self.groups[tab] = []
            for i, (owner, label, avatar) in enumerate(owners):
                group = Group(self, kind, owner, label, avatar, folds=i > 0)
                panel.append(group.el)
                self.groups[tab].append(group)
            line = document.createElement("p")
            line.className = "empty-groups"
            line.hidden = True
            panel.append(line)
            self.folded[tab] = line

    def empty_text(self, kind: str) -> str:
        noun = NOUNS[kind]
        if self.session.can_read_private_repos:
            return f"No {noun} yet."
        return f"No public {noun}."

    def update_counts(self) -> None:
        """The tabs' counts, and each list's line for the organizations with nothing to show."""
        for tab, groups in self.groups.items():
            total = sum(g.count for g in groups)
            more = any(g.more for g in groups)
            set_text(q(f"#tab-{tab} .count"), count_text(total, more))
            empty = [g.label for g in groups if g.folds and g.empty]
            line = folded_line(NOUNS[TABS[tab]], empty, not self.session.can_read_private_repos)
            set_text(self.folded[tab], line)
            show(self.folded[tab], bool(line))

    async def load(self) -> None:
        """(Re)load the first page of every group, all at once."""
        for groups in self.groups.values():
            for g in groups:
                g.reset(self.sort_key)
        await asyncio.gather(*(g.load_more() for groups in self.groups.values() for g in groups))

    def set_sort(self, key: str) -> None:
        if key in SORTS and key != self.sort_key:
            self.sort_key = key
            remember(sort=key)
            spawn(self.resort())

    async def resort(self) -> None:
        """Every group in the new order, keeping what each shows (Group.resort)."""
        await asyncio.gather(*(g.resort(self.sort_key) for groups in self.groups.values() for g in groups))
        self.update_counts()
