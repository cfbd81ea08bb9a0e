"""The Hub API with the signed-in user's token: whoami and repository listings
paged through ``Link: <…>; rel="next"``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from . import jsonutil
from .errors import (
    API_ERROR,
    INSUFFICIENT_SCOPE,
    INVALID_RESPONSE,
    RATE_LIMITED,
    SESSION_EXPIRED,
    SignInError,
)
from .models import Repo
from .session import Session
from .transport import HttpResponse, Transport
from .urls import is_acceptable_endpoint

SORTS = ("lastModified", "likes", "downloads", "createdAt", "trendingScore", "id")
LISTING_PATHS = {"model": "/api/models", "dataset": "/api/datasets", "space": "/api/spaces"}
DEFAULT_PAGE_CAP = 200


def parse_link_header(value: str | None) -> dict[str, str]:
    """``rel`` → URL from an RFC 8288 Link header; malformed entries are skipped."""
    links: dict[str, str] = {}
    if not isinstance(value, str) or len(value) > 16384:
        return links
    i, n = 0, len(value)
    while i < n:
        while i < n and value[i] in " \t,":
            i += 1
        if i >= n:
            break
        url = None
        if value[i] == "<":
            end = value.find(">", i)
            if end < 0:
                break
            url, i = value[i + 1:end].strip(), end + 1
        params: dict[str, str] = {}
        # parameters run to the next comma that is not inside a quoted string
        while i < n and value[i] != ",":
            if value[i] != ";":
                i += 1
                continue
            i += 1
            eq = i
            while eq < n and value[eq] not in "=;,":
                eq += 1
            name = value[i:eq].strip().lower()
            i = eq
            val = ""
            if i < n and value[i] == "=":
                i += 1
                while i < n and value[i] in " \t":
                    i += 1
                if i < n and value[i] == '"':
                    i += 1
                    chars = []
                    while i < n and value[i] != '"':
                        if value[i] == "\\" and i + 1 < n:
                            i += 1
                        chars.append(value[i])
                        i += 1
                    i += 1
                    val = "".join(chars)
                else:
                    start = i
                    while i < n and value[i] not in ";,":
                        i += 1
                    val = value[start:i].strip()
            params.setdefault(name, val)
        if url is not None:
            for rel in params.get("rel", "").lower().split():
                links.setdefault(rel, url)
    return links


def _limit_of(url: str) -> int | None:
    values = [v for k, v in parse_qsl(urlsplit(url).query) if k == "limit"]
    return int(values[-1]) if values and values[-1].isdigit() else None


def with_limit(url: str, limit: int) -> str:
    """``url`` with its ``limit`` query parameter set (1-1000), everything else kept."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "limit"]
    query.append(("limit", str(max(1, min(int(limit), 1000)))))
    return urlunsplit(parts._replace(query=urlencode(query)))


def _duration(seconds: float) -> str:
    seconds = max(1, round(seconds))
    return f"{seconds} s" if seconds < 120 else f"{round(seconds / 60)} min"


@dataclass(frozen=True)
class Page:
    repos: tuple[Repo, ...]
    number: int
    next_url: str | None
    # A full page with no next link: the last page, or a Hub that hides ``Link`` from scripts
    # (it is only readable when exposed through CORS). Nobody can tell, so say more may exist.
    maybe_more: bool = False


class RepoPager:
    """Pages of one listing, fetched on demand. An async iterator of Page."""

    def __init__(self, api: HubApi, kind: str, first_url: str, page_cap: int) -> None:
        self.api, self.kind, self.page_cap = api, kind, page_cap
        self._next: str | None = first_url
        self.pages_fetched = 0
        self.capped = False
        self.maybe_more = False  # the last page was full, with no next link (see Page)
        self.link_visible = False

    @property
    def has_more(self) -> bool:
        return self._next is not None

    async def next_page(self, limit: int | None = None) -> Page | None:
        """The next page (None when done); ``limit`` changes the page size from here on."""
        if self._next is None:
            return None
        if limit is not None:
            self._next = with_limit(self._next, limit)
        asked = _limit_of(self._next)
        resp = await self.api.get(self._next)
        body = self.api.parse_json(resp)
        if not isinstance(body, list):
            raise SignInError(INVALID_RESPONSE, "The Hub sent an unexpected repository listing.")
        repos = tuple(r for r in (Repo.parse(self.kind, item) for item in body) if r)
        nxt = parse_link_header(resp.header("link")).get("next")
        if nxt is not None and not is_acceptable_endpoint(nxt, self.api.provider_url):
            raise SignInError(INVALID_RESPONSE, "The Hub's next-page link points to another site, so listing stopped.")
        self.pages_fetched += 1
        if nxt is not None and self.pages_fetched >= self.page_cap:
            nxt, self.capped = None, True
        self._next = nxt
        # A Link header seen once on this listing proves the Hub shows it: its absence then means the end.
        self.link_visible = self.link_visible or resp.header("link") is not None
        self.maybe_more = (nxt is None and not self.capped and not self.link_visible
                           and asked is not None and len(body) >= asked)
        return Page(repos=repos, number=self.pages_fetched, next_url=nxt, maybe_more=self.maybe_more)

    def __aiter__(self):
        return self

    async def __anext__(self) -> Page:
        page = await self.next_page()
        if page is None:
            raise StopAsyncIteration
        return page


class HubApi:
    def __init__(
        self,
        transport: Transport,
        provider_url: str,
        get_session: Callable[[], Awaitable[Session | None]],
        *,
        timeout: float = 20.0,
        page_cap: int = DEFAULT_PAGE_CAP,
        on_unauthorized: Callable[[], Awaitable[bool]] | None = None,
    ) -> None:
        """``get_session()``: the session to call with (renewed when due); ``on_unauthorized()``:
        after a 401, whether the session is still good (HFSignIn asks userinfo once)."""
        self.transport = transport
        self.provider_url = provider_url
        self.get_session = get_session
        self.timeout = timeout
        self.page_cap = page_cap
        self.on_unauthorized = on_unauthorized

    async def get(self, url: str) -> HttpResponse:
        session = await self.get_session()
        if session is None:
            raise SignInError(SESSION_EXPIRED, "Your session has ended. Please sign in again.")
        resp = await self.transport.request(
            "GET", url, headers={"Accept": "application/json", **session.authorization()}, timeout=self.timeout,
            what="Hub",
        )
        if resp.status == 401:
            # One refused call is not proof the session is gone (a stale page link, a hiccup):
            # only the provider's userinfo decides.
            if self.on_unauthorized is not None and await self.on_unauthorized():
                raise SignInError(API_ERROR, "The Hub refused this request (HTTP 401).", status=401)
            raise SignInError(SESSION_EXPIRED, "Your session has expired or was revoked. Please sign in again.", status=401)
        if resp.status == 403:
            raise SignInError(INSUFFICIENT_SCOPE, "This needs a permission you have not granted to this Space.", status=403)
        if resp.status == 429:
            wait = resp.retry_after()
            raise SignInError(RATE_LIMITED, "The Hub asked this Space to slow down"
                              + (f"; it can try again in {_duration(wait)}." if wait is not None else "."),
                              status=429, retry_after=wait)
        if not 200 <= resp.status < 300:
            raise SignInError(API_ERROR, f"The Hub could not answer (HTTP {resp.status}).", status=resp.status)
        return resp

    @staticmethod
    def parse_json(resp: HttpResponse):
        if not resp.is_json:
            raise SignInError(INVALID_RESPONSE, "The Hub sent something that is not JSON.")
        try:
            return jsonutil.loads(resp.body)
        except jsonutil.JSONError:
            raise SignInError(INVALID_RESPONSE, "The Hub sent malformed JSON.") from None

    async def whoami(self) -> dict:
        body = self.parse_json(await self.get(self.provider_url + "/api/whoami-v2"))
        if not isinstance(body, dict) or not isinstance(body.get("name"), str):
            raise SignInError(INVALID_RESPONSE, "The Hub sent an unexpected whoami answer.")
        return body

    def listing_url(
        self,
        kind: str,
        *,
        author: str | None = None,
        search: str | None = None,
        sort: str | None = None,
        direction: int | None = None,
        limit: int | None = None,
        expand: Iterable[str] = (),
    ) -> str:
        if kind not in LISTING_PATHS:
            raise ValueError(f"unknown repository kind {kind!r}")
        if sort is not None and sort not in SORTS:
            raise ValueError(f"unknown sort {sort!r}")
        params: list[tuple[str, str]] = []
        for name, value in (("author", author), ("search", search), ("sort", sort)):
            if value:
                params.append((name, value))
        if direction is not None:
            params.append(("direction", str(int(direction))))
        if limit is not None:
            params.append(("limit", str(max(1, min(int(limit), 1000)))))
        params += [("expand", e) for e in expand]
        query = urlencode(params)
        return self.provider_url + LISTING_PATHS[kind] + (f"?{query}" if query else "")

    def list(self, kind: str, **params) -> RepoPager:
        return RepoPager(self, kind, self.listing_url(kind, **params), self.page_cap)

    def list_models(self, **params) -> RepoPager:
        return self.list("model", **params)

    def list_datasets(self, **params) -> RepoPager:
        return self.list("dataset", **params)

    def list_spaces(self, **params) -> RepoPager:
        return self.list("space", **params)
