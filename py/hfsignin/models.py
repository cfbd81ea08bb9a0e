"""Typed records for what the provider returns. Frozen, tolerant of unknown
fields and of wrongly typed ones (those read as absent), each keeping the raw
dict it came from."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

_REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,95}/[A-Za-z0-9][A-Za-z0-9_.\-]{0,95}$")


def _str(d: dict, key: str) -> str | None:
    value = d.get(key)
    return value if isinstance(value, str) and value else None


def _bool(d: dict, key: str) -> bool:
    return d.get(key) is True


def _maybe_bool(d: dict, key: str) -> bool | None:
    value = d.get(key)
    return value if isinstance(value, bool) else None


def _int(d: dict, key: str) -> int | None:
    value = d.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _time(d: dict, key: str) -> datetime | None:
    value = _str(d, key)
    if not value or len(value) > 40:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Org:
    sub: str
    name: str | None = None
    preferred_username: str | None = None
    picture: str | None = None
    plan: str | None = None
    role_in_org: str | None = None
    can_pay: bool | None = None
    security_restrictions: tuple[str, ...] = ()
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def parse(cls, d: object) -> Org | None:
        if not isinstance(d, dict) or not _str(d, "sub"):
            return None
        restrictions = d.get("securityRestrictions")
        return cls(
            sub=d["sub"],
            name=_str(d, "name"),
            preferred_username=_str(d, "preferred_username"),
            picture=_str(d, "picture"),
            plan=_str(d, "plan"),
            role_in_org=_str(d, "roleInOrg"),
            can_pay=_maybe_bool(d, "canPay"),
            security_restrictions=tuple(r for r in restrictions if isinstance(r, str))
            if isinstance(restrictions, list) else (),
            raw=dict(d),
        )


@dataclass(frozen=True)
class UserInfo:
    sub: str
    name: str | None = None
    preferred_username: str | None = None
    email: str | None = None
    email_verified: bool = False
    picture: str | None = None
    profile: str | None = None
    website: str | None = None
    is_pro: bool = False
    can_pay: bool | None = None
    orgs: tuple[Org, ...] = ()
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def parse(cls, d: object) -> UserInfo | None:
        """A UserInfo from the userinfo response; None if it has no subject."""
        if not isinstance(d, dict) or not _str(d, "sub"):
            return None
        orgs = d.get("orgs")
        return cls(
            sub=d["sub"],
            name=_str(d, "name"),
            preferred_username=_str(d, "preferred_username"),
            email=_str(d, "email"),
            email_verified=_bool(d, "email_verified"),
            picture=_str(d, "picture"),
            profile=_str(d, "profile"),
            website=_str(d, "website"),
            is_pro=_bool(d, "isPro"),
            can_pay=_maybe_bool(d, "canPay"),
            orgs=tuple(o for o in map(Org.parse, orgs if isinstance(orgs, list) else []) if o),
            raw=dict(d),
        )


REPO_KINDS = ("model", "dataset", "space")


@dataclass(frozen=True)
class Repo:
    kind: str
    id: str
    private: bool = False
    gated: str | None = None  # None, "auto" or "manual"
    likes: int | None = None
    downloads: int | None = None
    last_modified: datetime | None = None
    created_at: datetime | None = None
    sdk: str | None = None
    pipeline_tag: str | None = None
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def author(self) -> str:
        return self.id.split("/", 1)[0]

    @property
    def name(self) -> str:
        return self.id.split("/", 1)[1]

    @classmethod
    def parse(cls, kind: str, d: object) -> Repo | None:
        """A Repo from a listing entry; None when its id is not ``owner/name``."""
        if not isinstance(d, dict):
            return None
        rid = _str(d, "id")
        if not rid or not _REPO_ID.match(rid):
            return None
        gated = d.get("gated")
        return cls(
            kind=kind,
            id=rid,
            private=_bool(d, "private"),
            gated=gated if gated in ("auto", "manual") else ("auto" if gated is True else None),
            likes=_int(d, "likes"),
            downloads=_int(d, "downloads"),
            last_modified=_time(d, "lastModified"),
            created_at=_time(d, "createdAt"),
            sdk=_str(d, "sdk"),
            pipeline_tag=_str(d, "pipeline_tag"),
            raw=dict(d),
        )
