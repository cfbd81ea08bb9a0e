"""devhub's world: users, organisations, repositories and OAuth apps, read from
a readable YAML fixture (``--seed FILE`` swaps the default one)."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

DEFAULT_SEED = Path(__file__).with_name("default_seed.yaml")
KINDS = ("model", "dataset", "space")
ROLES = ("admin", "write", "contributor", "read")


class SeedError(ValueError):
    pass


def hub_id(name: str) -> str:
    """A stable 24-hex id like the Hub's ObjectIds."""
    return hashlib.sha1(name.encode()).hexdigest()[:24]


@dataclass
class User:
    username: str
    fullname: str
    email: str
    is_pro: bool = False
    can_pay: bool = False
    email_verified: bool = True
    website: str | None = None
    avatar: str | None = None  # an absolute URL overrides the generated avatar

    @property
    def id(self) -> str:
        return hub_id("user:" + self.username)


@dataclass
class Org:
    name: str
    fullname: str
    plan: str | None = None  # "team" | "enterprise" | None
    can_pay: bool = False
    security_restrictions: list[str] = field(default_factory=list)
    members: dict[str, str] = field(default_factory=dict)  # username -> role
    avatar: str | None = None

    @property
    def id(self) -> str:
        return hub_id("org:" + self.name)


@dataclass
class Repo:
    kind: str
    id: str
    private: bool = False
    gated: str | bool = False
    likes: int = 0
    downloads: int = 0
    created_at: datetime = field(default_factory=lambda: datetime(2024, 1, 1, tzinfo=UTC))
    last_modified: datetime = field(default_factory=lambda: datetime(2024, 1, 1, tzinfo=UTC))
    sdk: str | None = None
    pipeline_tag: str | None = None
    library_name: str | None = None
    tags: list[str] = field(default_factory=list)
    trending_score: int = 0

    @property
    def author(self) -> str:
        return self.id.split("/", 1)[0]

    @property
    def object_id(self) -> str:
        return hub_id(f"{self.kind}:{self.id}")


@dataclass
class App:
    client_id: str
    name: str
    kind: str  # "space" | "developer"
    scopes: list[str]
    client_secret: str | None = None
    redirect_uris: list[str] = field(default_factory=list)  # developer apps
    space_origin: str | None = None  # space apps: any redirect on this origin
    space_id: str | None = None
    expires_in: int = 28800
    authorized_orgs: list[str] = field(default_factory=list)
    refresh_tokens: bool = True

    @property
    def is_public(self) -> bool:
        return not self.client_secret


@dataclass
class World:
    users: dict[str, User]
    orgs: dict[str, Org]
    repos: list[Repo]
    apps: dict[str, App]

    def user_by_id(self, uid: str) -> User | None:
        return next((u for u in self.users.values() if u.id == uid), None)

    def orgs_of(self, username: str) -> list[Org]:
        return [o for o in self.orgs.values() if username in o.members]

    def owner_exists(self, name: str) -> bool:
        return name in self.users or name in self.orgs


def _time(value, default: datetime) -> datetime:
    if value is None:
        return default
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if hasattr(value, "year"):  # a date
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _repo(d: dict) -> Repo:
    kind = d.get("kind")
    if kind not in KINDS:
        raise SeedError(f"repo {d.get('id')!r}: kind must be one of {KINDS}")
    created = _time(d.get("created"), datetime(2024, 1, 1, tzinfo=UTC))
    return Repo(
        kind=kind,
        id=str(d["id"]),
        private=bool(d.get("private", False)),
        gated=d.get("gated", False),
        likes=int(d.get("likes", 0)),
        downloads=int(d.get("downloads", 0)),
        created_at=created,
        last_modified=_time(d.get("modified"), created),
        sdk=d.get("sdk") or ("gradio" if kind == "space" else None),
        pipeline_tag=d.get("pipeline_tag"),
        library_name=d.get("library_name"),
        tags=list(d.get("tags", [])),
        trending_score=int(d.get("trending", 0)),
    )


def _generated(spec: dict) -> list[Repo]:
    """Many repos from one stanza: ``{owner, kind, count, name: "x-{i:04d}"}``."""
    count = int(spec["count"])
    start = _time(spec.get("start"), datetime(2023, 1, 1, tzinfo=UTC))
    out = []
    for i in range(count):
        created = start + timedelta(hours=7 * i)
        out.append(Repo(
            kind=spec["kind"],
            id=f"{spec['owner']}/{spec['name'].format(i=i)}",
            likes=(i * 37) % 500,
            downloads=(i * 7919) % 100000,
            created_at=created,
            last_modified=created + timedelta(days=(i * 13) % 90),
            pipeline_tag=spec.get("pipeline_tag"),
            sdk=spec.get("sdk") or ("static" if spec["kind"] == "space" else None),
            tags=list(spec.get("tags", [])),
        ))
    return out


class _SeedLoader(yaml.SafeLoader):
    """YAML plus two tags for hostile test data: ``!repeat [text, times]`` and ``!join [a, b, …]``."""


_SeedLoader.add_constructor("!repeat", lambda loader, node: (lambda t, n: str(t) * int(n))(*loader.construct_sequence(node)))
_SeedLoader.add_constructor("!join", lambda loader, node: "".join(str(x) for x in loader.construct_sequence(node, deep=True)))


def load_world(path: Path | None = None) -> World:
    path = Path(path or DEFAULT_SEED)
    try:
        data = yaml.load(path.read_text(), Loader=_SeedLoader) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise SeedError(f"cannot read seed {path}: {exc}") from exc
    users = {}
    for d in data.get("users", []):
        u = User(
            username=d["username"], fullname=d.get("fullname", d["username"]), email=d.get("email", f"{d['username']}@example.com"),
            is_pro=bool(d.get("pro", False)), can_pay=bool(d.get("can_pay", False)),
            email_verified=bool(d.get("email_verified", True)), website=d.get("website"), avatar=d.get("avatar"),
        )
        users[u.username] = u
    orgs = {}
    for d in data.get("orgs", []):
        members = {str(k): str(v) for k, v in (d.get("members") or {}).items()}
        for name, role in members.items():
            if name not in users:
                raise SeedError(f"org {d['name']}: unknown member {name}")
            if role not in ROLES:
                raise SeedError(f"org {d['name']}: role {role!r} is not one of {ROLES}")
        o = Org(name=d["name"], fullname=d.get("fullname", d["name"]), plan=d.get("plan"),
                can_pay=bool(d.get("can_pay", False)), security_restrictions=list(d.get("security_restrictions", [])),
                members=members, avatar=d.get("avatar"))
        orgs[o.name] = o
    repos = [_repo(d) for d in data.get("repos", [])]
    for spec in data.get("generate", []):
        repos.extend(_generated(spec))
    seen = set()
    for r in repos:
        if r.author not in users and r.author not in orgs:
            raise SeedError(f"repo {r.id}: unknown owner {r.author}")
        if (r.kind, r.id) in seen:
            raise SeedError(f"repo {r.id} appears twice")
        seen.add((r.kind, r.id))
    apps = {}
    for d in data.get("apps", []):
        a = App(client_id=d["client_id"], name=d.get("name", d["client_id"]), kind="developer",
                scopes=list(d.get("scopes", ["openid", "profile"])), client_secret=d.get("client_secret"),
                redirect_uris=list(d.get("redirect_uris", [])), expires_in=int(d.get("expires_in", 28800)),
                authorized_orgs=list(d.get("authorized_orgs", [])), refresh_tokens=bool(d.get("refresh_tokens", True)))
        apps[a.client_id] = a
    return World(users=users, orgs=orgs, repos=repos, apps=apps)


def card_scopes(card: dict) -> list[str]:
    """The scopes of a Space's OAuth app: ``openid profile`` plus the card's ``hf_oauth_scopes``."""
    scopes = ["openid", "profile"]
    extra = card.get("hf_oauth_scopes") or []
    if not isinstance(extra, list) or not all(isinstance(s, str) for s in extra):
        raise SeedError("hf_oauth_scopes must be a list of scope names")
    for s in extra:
        if s not in scopes:
            scopes.append(s)
    return scopes


def space_app(space_id: str, space_origin: str, card: dict) -> App:
    """The OAuth app Hugging Face creates for a Space with ``hf_oauth: true``,
    configured from its README card (scopes, expiration, authorized orgs)."""
    scopes = card_scopes(card)
    orgs = card.get("hf_oauth_authorized_org") or []
    if isinstance(orgs, str):
        orgs = [orgs]
    minutes = int(card.get("hf_oauth_expiration_minutes") or 480)
    if not 1 <= minutes <= 43200:
        raise SeedError("hf_oauth_expiration_minutes must be between 1 and 43200")
    return App(
        client_id=str(uuid.uuid5(uuid.NAMESPACE_URL, "devhub-space:" + space_id)),
        name=space_id,
        kind="space",
        scopes=scopes,
        client_secret="devhub-space-secret-" + hub_id(space_id),
        space_origin=space_origin,
        space_id=space_id,
        expires_in=minutes * 60,
        authorized_orgs=list(orgs),
    )
