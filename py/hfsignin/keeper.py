"""The one owner of the session: every change (a sign-in, a restore, a renewal here or in a
sibling tab, a sign-out, an ending) is handed to ``SessionKeeper.commit``, the only code that sets
the current session, writes or clears it in storage and tells the other tabs.

Work that takes time (a proof, a renewal, a hand-over) notes ``epoch`` when it starts and commits
with ``since=`` that epoch. The epoch moves whenever the session's sign-in changes (another
family, or none), so a result that comes back after a sign-out or a newer sign-in is dropped; within
one sign-in a result must carry a newer generation than the current one. A family this tab signed
out of (or was signed out of) is never taken again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .family import session_message
from .session import Session, SessionStore
from .tabs import Tabs

# Why the session changes.
SIGNED_IN, RESTORED, RENEWED, ROTATED, ADOPTED, RESENT = "signed_in", "restored", "renewed", "rotated", "adopted", "resent"
# Why it ends (``on_session_end`` reasons), and REFUSED: a stored session that failed its proof.
EXPIRED, REVOKED, SIGNED_OUT, SIGNED_OUT_ELSEWHERE = "expired", "revoked", "signed_out", "signed_out_elsewhere"
REFUSED = "refused"
ENDINGS = frozenset({EXPIRED, REVOKED, SIGNED_OUT, SIGNED_OUT_ELSEWHERE, REFUSED})


@dataclass(frozen=True)
class Effect:
    tell: str | None  # the message the other tabs get ("signed_in" only where they share storage)
    emit: bool  # on_session listeners hear of it (a change this tab's caller did not ask for)
    newer: bool  # within the current sign-in: must carry a newer generation (RESENT: the same one)


EFFECTS = {
    SIGNED_IN: Effect("signed_in", False, False),
    RESTORED: Effect(None, False, False),
    RENEWED: Effect("renewed", True, True),
    ROTATED: Effect(None, False, True),  # the refresh token rotated, the new tokens unproven: the marker says so
    ADOPTED: Effect(None, True, True),
    RESENT: Effect("renewed", False, False),  # a sibling asked for the tokens it missed
}


class SessionKeeper:
    def __init__(self, store: SessionStore, tabs: Tabs, *, local: bool) -> None:
        self._store = store
        self._tabs = tabs
        self.local = local  # persist="local": every tab reads the same stored session
        self._current: Session | None = None
        self.epoch = 0
        self._left: set[str] = set()  # families signed out of: never taken again
        self._session_listeners: list[Callable[[Session], None]] = []
        self._end_listeners: list[Callable[[str], None]] = []

    @property
    def current(self) -> Session | None:
        return self._current

    def load(self) -> Session | None:
        """What storage holds (unchecked: it must prove itself before ``commit``)."""
        return self._store.load()

    def on_session(self, listener: Callable[[Session], None]) -> None:
        self._session_listeners.append(listener)

    def on_end(self, listener: Callable[[str], None]) -> None:
        self._end_listeners.append(listener)

    def accepts(self, session: Session, why: str, since: int) -> bool:
        """Whether ``commit(session, why, since)`` would take it."""
        current = self._current
        if since != self.epoch or session.family in self._left:
            return False
        if why == RESENT:
            return session is current
        if EFFECTS[why].newer:
            return current is None or (current.family == session.family and session.generation > current.generation)
        if why == RESTORED and current is not None:  # a retried restore after a renewal kept its tokens
            return current.family == session.family and session.generation >= current.generation
        return why == SIGNED_IN or current is None

    def commit(self, session: Session | None, why: str, *, since: int) -> bool:
        """Make ``session`` the current one (None: end it, ``why`` an ending) with what ``why``
        does beyond that; False, and nothing done, when it arrives after a newer state."""
        before = self._current
        if session is None:
            if since != self.epoch or why not in ENDINGS:
                return False
            self._current = None
            if why in (SIGNED_OUT, SIGNED_OUT_ELSEWHERE) and before is not None:
                self._left.add(before.family)
            if why == SIGNED_OUT and before is not None:
                self._tabs.post(session_message(SIGNED_OUT, before, everyone=self.local))
                self._tabs.set_generation(before.family, None)
            if why != SIGNED_OUT_ELSEWHERE or not self.local:  # shared storage: the signing-out tab cleared it
                self._store.clear()
        else:
            if not self.accepts(session, why, since):
                return False
            self._current = session
            self._store.save(session)
            marked = self._tabs.generation(session.family)
            if marked is None or marked < session.generation:
                self._tabs.set_generation(session.family, session.generation)
            self._tabs.join(session.family)
            tell = EFFECTS[why].tell
            if tell is not None and (tell != SIGNED_IN or self.local):
                self._tabs.post(session_message(tell, session, everyone=self.local))
        if before is not None and (session is None or before.family != session.family):
            self._tabs.leave(before.family)
        if (before.family if before else None) != (session.family if session else None):
            self.epoch += 1
        self._announce(session, why, had=before is not None)
        return True

    def _announce(self, session: Session | None, why: str, had: bool) -> None:
        if session is None:
            # A restore that finds the stored session expired or revoked says so too.
            if why != REFUSED and (had or why in (EXPIRED, REVOKED)):
                for listener in list(self._end_listeners):
                    listener(why)
        elif EFFECTS[why].emit:
            for listener in list(self._session_listeners):
                listener(session)
