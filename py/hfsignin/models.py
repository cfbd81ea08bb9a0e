"""Typed records for what the provider returns. Frozen, tolerant of unknown
fields and of wrongly typed ones (those read as absent), each keeping the raw
dict it came from. Each field's comment names the JSON key it is read from."""

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
    """An organisation the visitor granted at consent: an entry of userinfo's ``"orgs"``."""

    sub: str  # "sub": the org's id
    name: str | None = None  # "name": its full name
    preferred_username: str | None = None  # "preferred_username": its handle, as in URLs
    picture: str | None = None  # "picture": avatar URL (show it through safe_link)
    plan: str | None = None  # "plan"
    role_in_org: str | None = None  # "roleInOrg": the visitor's role there
    can_pay: bool | None = None  # "canPay" (sent with the read-billing scope); None when absent
    security_restrictions: tuple[str, ...] = ()  # "securityRestrictions": its string entries
    raw: dict = field(default_factory=dict, compare=False, repr=False)  # the entry as sent

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
    """The visitor, from the userinfo endpoint's answer: at sign-in, and again whenever a stored
    or handed-over session proves itself (``restore()``, another tab's renewal)."""

    sub: str  # "sub": the account id, equal to the ID token's "sub"
    name: str | None = None  # "name": full name
    preferred_username: str | None = None  # "preferred_username": the username, as in URLs
    email: str | None = None  # "email" (sent with the email scope)
    email_verified: bool = False  # "email_verified": true only when it is exactly true
    picture: str | None = None  # "picture": avatar URL (show it through safe_link)
    profile: str | None = None  # "profile": the profile page's URL
    website: str | None = None  # "website"
    is_pro: bool = False  # "isPro" (Hugging Face's own): true only when it is exactly true
    can_pay: bool | None = None  # "canPay" (sent with the read-billing scope); None when absent
    orgs: tuple[Org, ...] = ()  # "orgs": the organisations granted at consent, those with a "sub"
    raw: dict = field(default_factory=dict, compare=False, repr=False)  # the answer as sent (what the Session stores)

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
    """An entry of a Hub API repository listing (``/api/models``, ``/api/datasets``, ``/api/spaces``).
    The fields past ``private`` come only when the Hub sends them (``expand=`` asks for them)."""

    kind: str  # which listing it came from: "model", "dataset" or "space"
    id: str  # "id": "owner/name"
    private: bool = False  # "private": true only when it is exactly true
    gated: str | None = None  # "gated": None (false or absent), "auto" (also for true) or "manual"
    likes: int | None = None  # "likes": a non-negative integer
    downloads: int | None = None  # "downloads": a non-negative integer
    last_modified: datetime | None = None  # "lastModified": ISO 8601, UTC when no offset is given
    created_at: datetime | None = None  # "createdAt": ISO 8601, UTC when no offset is given
    sdk: str | None = None  # "sdk" (Spaces)
    pipeline_tag: str | None = None  # "pipeline_tag" (models)
    raw: dict = field(default_factory=dict, compare=False, repr=False)  # the entry as sent

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
