"""The Hub API's repository listings: visibility, fields, sorting and cursors."""

from __future__ import annotations

import base64
import hashlib
import json
from urllib.parse import urlencode

from .provider import REPO_READ_SCOPES, TokenRecord, scope_list
from .seed import Repo, World

PATH_KINDS = {"models": "model", "datasets": "dataset", "spaces": "space"}
SORT_KEYS = {
    "lastModified": lambda r: r.last_modified,
    "createdAt": lambda r: r.created_at,
    "likes": lambda r: r.likes,
    "downloads": lambda r: r.downloads,
    "trendingScore": lambda r: r.trending_score,
    "id": lambda r: r.id.lower(),
}
EXPANDABLE = {
    "model": {"author", "createdAt", "downloads", "gated", "lastModified", "library_name", "likes",
              "pipeline_tag", "private", "sha", "tags", "trendingScore", "disabled"},
    "dataset": {"author", "createdAt", "downloads", "gated", "lastModified", "likes", "private", "sha",
                "tags", "trendingScore", "disabled"},
    "space": {"author", "createdAt", "lastModified", "likes", "private", "sdk", "sha", "tags",
              "trendingScore", "disabled", "runtime"},
}
MAX_LIMIT = 1000


class ApiError(ValueError):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _iso(dt) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def all_fields(repo: Repo) -> dict:
    d = {
        "_id": repo.object_id,
        "id": repo.id,
        "author": repo.author,
        "sha": hashlib.sha1(f"{repo.kind}:{repo.id}".encode()).hexdigest(),
        "createdAt": _iso(repo.created_at),
        "lastModified": _iso(repo.last_modified),
        "private": repo.private,
        "gated": repo.gated,
        "disabled": False,
        "likes": repo.likes,
        "trendingScore": repo.trending_score,
        "tags": list(repo.tags),
    }
    if repo.kind != "space":
        d["downloads"] = repo.downloads
    if repo.kind == "model":
        d["pipeline_tag"] = repo.pipeline_tag
        d["library_name"] = repo.library_name
        d["modelId"] = repo.id
    if repo.kind == "space":
        d["sdk"] = repo.sdk
        d["runtime"] = {"stage": "RUNNING"}
    return d


DEFAULT_FIELDS = {
    "model": ("_id", "id", "likes", "trendingScore", "private", "downloads", "tags", "pipeline_tag",
              "library_name", "createdAt", "modelId"),
    "dataset": ("_id", "id", "likes", "trendingScore", "private", "downloads", "tags", "createdAt"),
    "space": ("_id", "id", "likes", "trendingScore", "private", "sdk", "tags", "createdAt"),
}


def entry(repo: Repo, expand: list[str]) -> dict:
    full = all_fields(repo)
    names = ("_id", "id", *expand) if expand else DEFAULT_FIELDS[repo.kind]
    return {k: full[k] for k in names if k in full}


def can_read_private(world: World, token: TokenRecord | None, repo: Repo) -> bool:
    if token is None or not REPO_READ_SCOPES & set(scope_list(token.scope)):
        return False
    if repo.author == token.username:
        return True
    org = world.orgs.get(repo.author)
    return org is not None and repo.author in token.orgs and token.username in org.members


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode().rstrip("=")


def _offset(cursor: str) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        offset = int(data["o"])
    except (ValueError, KeyError, TypeError):
        raise ApiError("Invalid cursor") from None
    if offset < 0:
        raise ApiError("Invalid cursor")
    return offset


def list_repos(world: World, kind: str, args: list[tuple[str, str]], token: TokenRecord | None,
               base_url: str) -> tuple[list[dict], str | None]:
    """One page of a listing and the URL of the next one (or None)."""
    params: dict[str, list[str]] = {}
    for k, v in args:
        params.setdefault(k, []).append(v)

    def one(name):
        values = params.get(name)
        if values and len(values) > 1:
            raise ApiError(f"'{name}' given more than once")
        return values[0] if values else None

    author, search, sort = one("author"), one("search"), one("sort")
    direction, limit_s, cursor = one("direction"), one("limit"), one("cursor")
    expand = params.get("expand", [])
    bad = [e for e in expand if e not in EXPANDABLE[kind]]
    if bad:
        raise ApiError(f"Invalid expand value(s): {', '.join(bad)}")
    if sort is not None and sort not in SORT_KEYS:
        raise ApiError(f"Invalid sort: {sort}")
    if direction not in (None, "-1", "1"):
        raise ApiError("direction must be -1 or 1")
    try:
        limit = int(limit_s) if limit_s is not None else MAX_LIMIT
    except ValueError:
        raise ApiError("limit must be an integer") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise ApiError(f"limit must be between 1 and {MAX_LIMIT}")
    offset = _offset(cursor) if cursor else 0

    repos = [r for r in world.repos if r.kind == kind and (not r.private or can_read_private(world, token, r))]
    if author:
        repos = [r for r in repos if r.author == author]
    if search:
        needle = search.lower()
        repos = [r for r in repos if needle in r.id.lower()]
    repos.sort(key=lambda r: r.id.lower())
    if sort:
        repos.sort(key=SORT_KEYS[sort], reverse=direction != "1")
    page = repos[offset:offset + limit]
    next_url = None
    if offset + limit < len(repos):
        kept = [(k, v) for k, v in args if k != "cursor"]
        next_url = f"{base_url}?{urlencode(kept + [('cursor', _cursor(offset + limit))])}"
    return [entry(r, expand) for r in page], next_url
