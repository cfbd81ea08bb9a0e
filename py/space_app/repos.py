"""Repository listings: Models / Datasets / Spaces for the user and each
shared organization, paged with "Load more", sortable, each group with its own
loading, empty and error states."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from pyscript import document

from hfsignin import Repo, SignInError

from .dom import clone, on, q, set_text, show, spawn
from .text import compact_number, display_text, relative_time

TABS = {"models": "model", "datasets": "dataset", "spaces": "space"}
NOUNS = {"model": "models", "dataset": "datasets", "space": "Spaces"}
EXPAND = {
    "model": ("private", "gated", "likes", "downloads", "lastModified"),
    "dataset": ("private", "gated", "likes", "downloads", "lastModified"),
    "space": ("private", "likes", "lastModified", "sdk"),
}
PAGE_SIZE = 50
# select value -> (sort, direction); Spaces have no downloads, so they fall back to likes
SORTS = {"lastModified": ("lastModified", -1), "likes": ("likes", -1), "downloads": ("downloads", -1), "id": ("id", 1)}


def repo_url(provider: str, repo: Repo) -> str:
    prefix = {"model": "", "dataset": "/datasets", "space": "/spaces"}[repo.kind]
    return f"{provider}{prefix}/{repo.id}"


class Group:
    """One owner's repositories of one kind."""

    def __init__(self, board: RepoBoard, kind: str, owner: str, label: str, avatar: str) -> None:
        self.board, self.kind, self.owner = board, kind, owner
        self.el = clone("tpl-group")
        self.el.dataset.owner = owner
        img = q("h4 img", self.el)
        img.src = avatar
        set_text(q(".owner", self.el), label)
        self.rows = q(".rows", self.el)
        self.status = q(".group-status", self.el)
        self.more = q(".more", self.el)
        on(self.more, "click", lambda evt: self.load_more())
        self.pager = None
        self.count = 0
        self.loading = False

    @property
    def has_more(self) -> bool:
        return self.pager is not None and self.pager.has_more

    def reset(self, sort_key: str) -> None:
        sort, direction = SORTS[sort_key]
        if self.kind == "space" and sort == "downloads":
            sort = "likes"
        self.pager = self.board.api.list(self.kind, author=self.owner, sort=sort, direction=direction,
                                         limit=PAGE_SIZE, expand=EXPAND[self.kind])
        self.rows.replaceChildren()
        self.count = 0
        self._update_count()

    def _update_count(self) -> None:
        text = "" if self.pager is None else f"{self.count}{'+' if self.has_more else ''}"
        set_text(q("h4 .count", self.el), f"· {text}" if text else "")

    def _status(self, text: str, error: bool = False) -> None:
        self.status.classList.toggle("error", error)
        self.status.replaceChildren()
        if text:
            self.status.append(text)

    async def load_more(self) -> None:
        if self.loading or self.pager is None or not self.pager.has_more:
            return
        self.loading = True
        self.el.setAttribute("aria-busy", "true")
        show(self.more, False)
        self._status("Loading…")
        try:
            page = await self.pager.next_page()
        except SignInError as exc:
            self._fail(exc)
            return
        finally:
            self.loading = False
            self.el.removeAttribute("aria-busy")
        self._append(page.repos)
        self.count += len(page.repos)
        self._update_count()
        show(self.more, self.has_more)
        if self.count == 0:
            self._status(self.board.empty_text(self.kind))
        elif self.pager.capped:
            self._status("Stopped after many pages; open the profile on Hugging Face for the rest.")
        else:
            self._status("")
        self.board.update_counts()

    def _fail(self, exc: SignInError) -> None:
        if exc.code == "session_expired":
            self._status("")
            return  # the app shows the signed-out state
        self._status(f"Could not load {NOUNS[self.kind]}: {exc.message}", error=True)
        retry = document.createElement("button")
        retry.className = "btn small"
        retry.type = "button"
        retry.textContent = "Retry"
        retry.dataset.action = "retry-list"
        on(retry, "click", lambda evt: self.load_more())
        self.status.append(retry)
        self.board.update_counts()

    def _append(self, repos) -> None:
        now = datetime.now(UTC)
        provider = self.board.provider
        fragment = document.createDocumentFragment()
        for repo in repos:
            li = clone("tpl-repo")
            li.dataset.repo = repo.id
            li.dataset.private = "true" if repo.private else "false"
            link = q(".repo-id", li)
            link.href = repo_url(provider, repo)
            link.textContent = repo.id
            set_text(q(".likes", li), f"♥ {compact_number(repo.likes)}")
            downloads = q(".downloads", li)
            if repo.kind == "space":
                downloads.hidden = True
                set_text(q(".sdk", li), display_text(repo.sdk or "", 20))
            else:
                q(".sdk", li).hidden = True
                set_text(downloads, f"↓ {compact_number(repo.downloads)}")
            when = q(".modified", li)
            if repo.last_modified:
                when.dateTime = repo.last_modified.isoformat()
                when.title = repo.last_modified.strftime("%Y-%m-%d %H:%M UTC")
                set_text(when, f"updated {relative_time(repo.last_modified, now)}")
            q(".tag.private", li).hidden = not repo.private
            q(".tag.gated", li).hidden = not repo.gated
            fragment.append(li)
        self.rows.append(fragment)


class RepoBoard:
    """The tabs, the sort control and every Group."""

    def __init__(self, app, session) -> None:
        self.app = app
        self.api = app.auth.api
        self.provider = app.auth.config.provider_url
        self.session = session
        self.sort_key = "lastModified"
        me = session.user.preferred_username or ""
        owners = [(me, f"{display_text(me, 40)} (you)", app.picture_for(session.user.picture))]
        for org in session.user.orgs:
            if org.preferred_username:
                owners.append((org.preferred_username, display_text(org.name or org.preferred_username, 60),
                               app.picture_for(org.picture)))
        self.groups: dict[str, list[Group]] = {}
        for tab, kind in TABS.items():
            panel = q(f'[data-repo-list="{tab}"]')
            panel.replaceChildren()
            self.groups[tab] = []
            for owner, label, avatar in owners:
                group = Group(self, kind, owner, label, avatar)
                panel.append(group.el)
                self.groups[tab].append(group)

    def empty_text(self, kind: str) -> str:
        noun = NOUNS[kind]
        if self.session.can_read_private_repos:
            return f"No {noun} yet."
        return f"No public {noun}."

    def update_counts(self) -> None:
        for tab, groups in self.groups.items():
            total = sum(g.count for g in groups)
            more = any(g.has_more for g in groups)
            set_text(q(f"#tab-{tab} .count"), f"{total}{'+' if more else ''}")

    async def load(self) -> None:
        """(Re)load the first page of every group, all at once."""
        for groups in self.groups.values():
            for g in groups:
                g.reset(self.sort_key)
        await asyncio.gather(*(g.load_more() for groups in self.groups.values() for g in groups))

    def set_sort(self, key: str) -> None:
        if key in SORTS and key != self.sort_key:
            self.sort_key = key
            spawn(self.load())
