"""The login Transaction: everything a sign-in attempt must remember across
the trip to the provider, kept in sessionStorage under its own state.

Keying by state means two tabs, or two attempts in one tab, never overwrite
each other; taking a Transaction deletes it, so a callback is honoured once.
"""

from __future__ import annotations

import hmac
import json
import re
from dataclasses import asdict, dataclass

from .errors import STATE_MISMATCH, TRANSACTION_MISSING, SignInError
from .pkce import is_valid_verifier
from .storage import Storage

PREFIX = "hfsignin:tx:"
TTL_SECONDS = 15 * 60
MAX_PENDING = 8
_STATE = re.compile(r"^[A-Za-z0-9_-]{43}$")


@dataclass(frozen=True)
class Transaction:
    state: str
    nonce: str
    code_verifier: str
    redirect_uri: str
    issuer: str
    client_id: str
    scopes: tuple[str, ...]
    created_at: float
    return_to: str | None = None
    org_ids: tuple[str, ...] = ()
    prompt: str | None = None

    def __repr__(self) -> str:  # the verifier is a secret until it is used
        return f"Transaction(state={self.state[:6]}…, issuer={self.issuer!r}, scopes={self.scopes!r})"

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | None) -> Transaction | None:
        """Parse a stored Transaction; anything malformed yields None."""
        try:
            d = json.loads(text or "")
            tx = cls(
                state=d["state"],
                nonce=d["nonce"],
                code_verifier=d["code_verifier"],
                redirect_uri=d["redirect_uri"],
                issuer=d["issuer"],
                client_id=d["client_id"],
                scopes=tuple(d["scopes"]),
                created_at=float(d["created_at"]),
                return_to=d.get("return_to"),
                org_ids=tuple(d.get("org_ids") or ()),
                prompt=d.get("prompt"),
            )
        except (ValueError, KeyError, TypeError):
            return None
        strings = (tx.state, tx.nonce, tx.redirect_uri, tx.issuer, tx.client_id)
        if not all(isinstance(s, str) and s for s in strings) or not is_valid_verifier(tx.code_verifier):
            return None
        if not all(isinstance(s, str) for s in tx.scopes + tx.org_ids):
            return None
        return tx


def is_well_formed_state(state: object) -> bool:
    return isinstance(state, str) and bool(_STATE.match(state))


class TransactionStore:
    def __init__(self, storage: Storage, clock) -> None:
        self.storage = storage
        self.clock = clock

    def _all(self) -> list[tuple[str, Transaction | None]]:
        return [(k, Transaction.from_json(self.storage.get(k))) for k in self.storage.keys() if k.startswith(PREFIX)]

    def _expired(self, tx: Transaction | None) -> bool:
        now = self.clock()
        return tx is None or not (now - TTL_SECONDS <= tx.created_at <= now + 60)

    def purge(self) -> None:
        """Drop expired or unreadable transactions, and the oldest beyond MAX_PENDING."""
        live = []
        for key, tx in self._all():
            if self._expired(tx):
                self.storage.remove(key)
            else:
                live.append((tx.created_at, key))
        for _, key in sorted(live)[:-MAX_PENDING] if len(live) > MAX_PENDING else []:
            self.storage.remove(key)

    def clear(self) -> None:
        for key in self.storage.keys():
            if key.startswith(PREFIX):
                self.storage.remove(key)

    def pending(self) -> list[Transaction]:
        return [tx for _, tx in self._all() if not self._expired(tx)]

    def save(self, tx: Transaction) -> None:
        self.purge()
        self.storage.set(PREFIX + tx.state, tx.to_json())

    def forget(self, state: str) -> None:
        """Drop the Transaction for ``state`` (an attempt that ended without an answer)."""
        if is_well_formed_state(state):
            self.storage.remove(PREFIX + state)

    def take(self, state: str | None) -> Transaction:
        """Load and delete the Transaction for ``state`` (single use).

        No pending sign-in at all → ``transaction_missing`` (storage cleared,
        a fresh tab, or it expired); pending ones but none for this state →
        ``state_mismatch``.
        """
        tx = None
        if is_well_formed_state(state):
            key = PREFIX + state
            tx = Transaction.from_json(self.storage.get(key))
            self.storage.remove(key)
        if tx is not None and hmac.compare_digest(tx.state, state) and not self._expired(tx):
            return tx
        others = self.pending()
        self.purge()
        if tx is None and others:
            raise SignInError(
                STATE_MISMATCH,
                "This sign-in response does not belong to a sign-in started here, so it was ignored.",
            )
        raise SignInError(
            TRANSACTION_MISSING,
            "This sign-in has expired or was started in another tab. Please sign in again.",
        )
