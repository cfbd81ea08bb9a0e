"""The signed-in Session and where it lives: sessionStorage by default (per tab, gone
with it), localStorage with ``HFSignIn(persist="local")``."""

from __future__ import annotations

import json
import math
import secrets
from dataclasses import dataclass, field

from .idtoken import UNVERIFIED
from .models import UserInfo
from .storage import Storage

SESSION_KEY = "hfsignin:session"
SESSION_FORMAT = 2  # 1: before families; stored sessions of format 1 are migrated, newer ones dropped
# Read-repos and stronger scopes let the token read private repositories.
REPO_READ_SCOPES = frozenset({"read-repos", "write-repos", "manage-repos"})


@dataclass(frozen=True)
class Session:
    """A sign-in. "Token response": the token endpoint's answer at sign-in, or at the last
    renewal; the clock is the environment's, read when that answer has been checked."""

    access_token: str = field(repr=False)  # token response "access_token"
    expires_at: float  # clock + token response "expires_in" (an hour when it says nothing)
    scopes: tuple[str, ...]  # token response "scope", split; when absent, the scopes asked for (or held before)
    user: UserInfo  # the userinfo answer, refreshed each time the session proves itself
    claims: dict = field(repr=False)  # the ID token's payload, as checked at sign-in, renewal and restore (see trust)
    id_token: str = field(repr=False)  # token response "id_token" (a renewal without one keeps the last)
    issuer: str  # discovery "issuer" when the sign-in started (the Transaction's)
    client_id: str  # the Config's client id when the sign-in started (the Transaction's)
    created_at: float  # clock: when these tokens were issued (sign-in, or the last renewal)
    refresh_token: str | None = field(default=None, repr=False)  # token response "refresh_token" (kept when not rotated)
    # The tabs holding copies of this sign-in (a duplicated tab copies sessionStorage) share
    # a family id, and ``generation`` counts its renewals, so they never use a spent refresh token.
    family: str = field(default_factory=lambda: secrets.token_urlsafe(12))  # random, made at sign-in
    generation: int = 0  # 0 at sign-in, one more at each renewal
    # Handed over by the tab that holds the refresh token (refresh tokens never cross tabs): this
    # tab asks that one to renew.
    shared: bool = False
    # How the id_token is trusted (idtoken: "signature", "tls", "userinfo"): derived at sign-in and
    # at each proof, never read back from storage; "unverified" until then.
    trust: str = field(default=UNVERIFIED, compare=False)

    @property
    def sub(self) -> str:
        return self.user.sub

    def expires_in(self, now: float) -> float:
        return self.expires_at - now

    @property
    def lifetime(self) -> float:
        """How long the current access token was issued for."""
        return max(0.0, self.expires_at - self.created_at)

    def is_expired(self, now: float) -> bool:
        return now >= self.expires_at

    @property
    def renewable(self) -> bool:
        """Whether this tab can have the access token renewed: it holds the refresh token, or a
        sibling tab does."""
        return bool(self.refresh_token) or self.shared

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
                "v": SESSION_FORMAT,
                "family": self.family,
                "generation": self.generation,
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
                "shared": self.shared,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str | None) -> Session | None:
        """A stored Session (format 1 migrated), or None if anything about it is off."""
        try:
            d = json.loads(text or "")
            if d.get("v") not in (1, SESSION_FORMAT):
                return None  # a newer format, from a later deploy: start again rather than guess
            if d["v"] == 1:
                d = {**d, "family": secrets.token_urlsafe(12), "generation": 0}
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
                family=d["family"],
                generation=d["generation"],
                shared=d.get("shared", False),
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
            and isinstance(session.family, str) and 0 < len(session.family) <= 64
            and isinstance(session.generation, int) and not isinstance(session.generation, bool)
            and session.generation >= 0
            and isinstance(session.shared, bool)
            and math.isfinite(session.expires_at) and math.isfinite(session.created_at)
        )
        return session if ok else None


class SessionStore:
    def __init__(self, storage: Storage, key: str = SESSION_KEY) -> None:
        self.storage = storage
        self.key = key

    def save(self, session: Session) -> None:
        self.storage.set(self.key, session.to_json())

    def load(self) -> Session | None:
        """The stored Session, or None (nothing, or nothing readable: ``SessionKeeper`` wipes it)."""
        raw = self.storage.get(self.key)
        return Session.from_json(raw) if raw is not None else None

    def clear(self) -> None:
        self.storage.remove(self.key)
