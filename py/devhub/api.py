"""The Hub API subset: whoami-v2, the repository listings (visibility, fields, sorting and
cursors) and avatars."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from urllib.parse import urlencode

from flask import Blueprint, jsonify, make_response, request

from .provider import REPO_READ_SCOPES, TokenRecord, scope_list
from .seed import Org, Repo, World
from .web import bearer, current_hub, faultable, json_error

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


def granted_orgs(world: World, token: TokenRecord) -> list[Org]:
    """The orgs the token's user granted the app at consent."""
    return [o for o in world.orgs_of(token.username) if o.name in token.orgs]


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


# -- the blueprint --------------------------------------------------------------------------------

bp = Blueprint("api", __name__)


@bp.get("/api/whoami-v2")
@faultable("whoami")
def whoami():
    hub = current_hub()
    tok = bearer()
    user = hub.world.users[tok.username]
    scopes = scope_list(tok.scope)
    body = {
        "type": "user", "id": user.id, "name": user.username, "fullname": user.fullname,
        "isPro": user.is_pro, "avatarUrl": f"/avatars/{user.username}.svg",
        "orgs": [{"type": "org", "id": o.id, "name": o.name, "fullname": o.fullname,
                  "avatarUrl": f"/avatars/{o.name}.svg", "roleInOrg": o.members.get(user.username),
                  "plan": o.plan, "isEnterprise": o.plan == "enterprise"} for o in granted_orgs(hub.world, tok)],
        "auth": {"type": "oauth", "accessToken": {"displayName": hub.apps[tok.client_id].name,
                                                  "role": "read", "scope": tok.scope},
                 "expiresAt": time.strftime("%Y-%m-%dT%H:%M:%S.000Z",
                                            time.gmtime(tok.issued_at + tok.expires_in))},
    }
    if "email" in scopes:
        body.update(email=user.email, emailVerified=user.email_verified)
    if "read-billing" in scopes:
        body["canPay"] = user.can_pay
    return jsonify(body)


def listing(kind_path: str):
    hub = current_hub()
    tok = bearer(optional=True)
    try:
        items, next_url = list_repos(hub.world, PATH_KINDS[kind_path], list(request.args.items(multi=True)),
                                     tok, f"{hub.hub_url}/api/{kind_path}")
    except ApiError as exc:
        return json_error(exc.status, str(exc))
    resp = jsonify(items)
    if next_url:
        resp.headers["Link"] = f'<{next_url}>; rel="next"'
    return resp


for kind_path in PATH_KINDS:  # each listing is a fault endpoint of its own: models, datasets, spaces
    bp.add_url_rule(f"/api/{kind_path}", endpoint=f"list_{kind_path}",
                    view_func=faultable(kind_path)(lambda k=kind_path: listing(k)))


def avatar_svg(name: str, square: bool) -> str:
    digest = hashlib.sha256(name.encode()).digest()
    hue = digest[0] * 360 // 256
    initials = "".join(part[:1] for part in name.replace("_", "-").split("-")[:2]).upper() or "?"
    shape = ('<rect width="96" height="96" rx="20"' if square else '<circle cx="48" cy="48" r="48"')
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96">'
        f'<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl({hue},70%,62%)"/>'
        f'<stop offset="1" stop-color="hsl({(hue + 40) % 360},70%,45%)"/></linearGradient></defs>'
        f'{shape} fill="url(#g)"/><text x="48" y="60" font-family="system-ui,sans-serif" font-size="38" '
        f'font-weight="700" text-anchor="middle" fill="#fff">{initials[:2]}</text></svg>'
    )


@bp.get("/avatars/<name>.svg")
@faultable("avatar")
def avatar(name: str):
    resp = make_response(avatar_svg(name, square=name in current_hub().world.orgs))
    resp.mimetype = "image/svg+xml"
    resp.headers["Cache-Control"] = "public, max-age=86400"
    return resp
