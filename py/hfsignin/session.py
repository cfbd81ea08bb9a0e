"""The signed-in Session and where it lives (sessionStorage: per tab, gone with it)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from .models import UserInfo
from .storage import Storage

SESSION_KEY = "hfsignin:session"
# Read-repos and stronger scopes let the token read private repositories.
REPO_READ_SCOPES = frozenset({"read-repos", "write-repos", "manage-repos"})


@dataclass(frozen=True)
class Session:
    access_token: str = field(repr=False)
    expires_at: float
    scopes: tuple[str, ...]
    user: UserInfo
    claims: dict = field(repr=False)
    id_token: str = field(repr=False)
    issuer: str
    client_id: str
    created_at: float
    refresh_token: str | None = field(default=None, repr=False)

    @property
    def sub(self) -> str:
        return self.user.sub

    def expires_in(self, now: float) -> float:
        return self.expires_at - now

    def is_expired(self, now: float) -> bool:
        return now >= self.expires_at

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    @property
    def can_read_private_repos(self) -> bool:
        return bool(REPO_READ_SCOPES & set(self.scopes))

    def authorization(self) -> dict[str, str]:
        """The header that carries the token: the only place it ever goes."""
        return {"Authorization": f"Bearer {self.access_token}"}

    def to_json(self) -> str:
        return json.dumps(
            {
                "v": 1,
                "access_token": self.access_token,
                "expires_at": self.expires_at,
                "scopes": list(self.scopes),
                "userinfo": self.user.raw,
                "claims": self.claims,
                "id_token": self.id_token,
                "issuer": self.issuer,
                "client_id": self.client_id,
                "created_at": self.created_at,
                "refresh_token": self.refresh_token,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str | None) -> Session | None:
        """A stored Session, or None if anything about it is off."""
        try:
            d = json.loads(text or "")
            if d.get("v") != 1:
                return None
            user = UserInfo.parse(d["userinfo"])
            session = cls(
                access_token=d["access_token"],
                expires_at=float(d["expires_at"]),
                scopes=tuple(d["scopes"]),
                user=user,
                claims=d["claims"],
                id_token=d["id_token"],
                issuer=d["issuer"],
                client_id=d["client_id"],
                created_at=float(d["created_at"]),
                refresh_token=d.get("refresh_token"),
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return None
        ok = (
            user is not None
            and all(isinstance(s, str) and s for s in (session.access_token, session.id_token, session.issuer, session.client_id))
            and all(isinstance(s, str) for s in session.scopes)
            and isinstance(session.claims, dict)
            and session.claims.get("sub") == user.sub
            and session.claims.get("iss") == session.issuer
            and (session.refresh_token is None or isinstance(session.refresh_token, str))
        )
        return session if ok else None


class SessionStore:
    def __init__(self, storage: Storage, key: str = SESSION_KEY) -> None:
        self.storage = storage
        self.key = key

    def save(self, session: Session) -> None:
        self.storage.set(self.key, session.to_json())

    def load(self) -> Session | None:
        """The stored Session, or None; anything unreadable is wiped."""
        raw = self.storage.get(self.key)
        if raw is None:
            return None
        session = Session.from_json(raw)
        if session is None:
            self.clear()
        return session

    def clear(self) -> None:
        self.storage.remove(self.key)
