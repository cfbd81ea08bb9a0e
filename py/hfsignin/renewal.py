"""The session's renewal: when it is due, one tab of a family at a time, backoff after a failure,
a wake-up after sleep, and the tabs that hold no refresh token asking the one that does."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from . import errors as E
from .environment import Environment
from .errors import SignInError
from .family import handed_over
from .keeper import EXPIRED, RENEWED, REVOKED, ROTATED, SessionKeeper
from .session import Session
from .siblings import Siblings
from .steps import Renewed, SignInSteps
from .tasks import one_at_a_time

RENEW_MARGIN = 300.0  # renew this long before expiry (at most a fifth of the token's life): more than
#                       a throttled background tab's timer granularity (about a minute)
BACKOFF_FIRST, BACKOFF_CAP = 10.0, 300.0  # seconds between failed renewals, doubling, with jitter
ADOPT_WAIT = 3.0  # how long a tab waits for a sibling's renewed tokens before giving up on them
_jitter = secrets.SystemRandom()  # not ``random``: the build's memory snapshot would give every visitor its state


@dataclass(frozen=True)
class Renewal:
    """A renewal that failed and will be tried again at ``retry_at`` (epoch seconds)."""

    code: str
    message: str
    retry_at: float


def backoff(failures: int) -> float:
    """Capped exponential backoff with ±20 % jitter, so tabs and visitors do not retry in step."""
    base = min(BACKOFF_CAP, BACKOFF_FIRST * 2 ** max(0, failures - 1))
    return base * _jitter.uniform(0.8, 1.2)


def _ended() -> SignInError:
    return SignInError(E.SESSION_EXPIRED, "Your session has ended. Please sign in again.")


class Renewer:
    def __init__(self, env: Environment, keeper: SessionKeeper, steps: SignInSteps, timeout: float) -> None:
        self.env = env
        self.keeper = keeper
        self.steps = steps
        self.timeout = timeout
        self.siblings = Siblings(keeper, steps, env.tabs, self._renew_for_sibling)
        self.renewal: Renewal | None = None
        self.failures = 0
        self._listeners: list[Callable[[Renewal | None], None]] = []
        self._refreshing = None
        self._checking = None
        self._keeper_task = None
        self._wake = asyncio.Event()

    async def still_authorized(self) -> bool:
        """A Hub call answered 401: ask userinfo (once, however many calls failed at the same time).
        Only a 401/403 there ends the session (``revoked``)."""
        return await one_at_a_time(self, "_checking", self._check_userinfo)

    async def _check_userinfo(self) -> bool:
        s, epoch = self.keeper.current, self.keeper.epoch
        if s is None:
            return False
        try:
            await self.steps.provider.userinfo(s.access_token)
        except SignInError as exc:
            if exc.status in (401, 403):
                self.keeper.commit(None, REVOKED, since=epoch)
                return False
        return True  # fine, or the provider is unreachable: not proof of anything

    def renew_at(self, session: Session | None = None) -> float | None:
        s = session or self.keeper.current
        if s is None or not s.renewable:
            return None
        return s.expires_at - min(RENEW_MARGIN, s.lifetime / 5)

    def due(self, now: float) -> bool:
        at = self.renew_at()
        return at is not None and now >= at

    async def refresh(self) -> Session:
        """One renewal at a time per tab; one tab of a family at a time (a Web Lock). A tab that
        holds no refresh token, or finds the family renewed by a sibling, asks the siblings."""
        s = self.keeper.current
        if s is None or not s.renewable:
            raise _ended()
        return await one_at_a_time(self, "_refreshing", lambda: self._refresh(s))

    async def _renew_for_sibling(self) -> None:
        """A sibling without the refresh token asks: renew if it is due (whatever asks, never more often)."""
        if self.due(self.env.clock()):
            await self.refresh()

    async def _refresh(self, s: Session) -> Session:
        if s.refresh_token:
            renewed = await self._locked(s, lambda: self._refresh_locked(s.generation))
            if renewed is not None:
                return renewed
        current = self.keeper.current
        if current is None or current.family != s.family:
            raise _ended()
        if await self.env.tabs.count(s.family) <= 1:  # this tab alone: the one that renewed has closed
            raise SignInError(E.NETWORK, "Your session cannot be renewed here: the tab that renewed it has closed. "
                              "It lasts until it expires.")
        # The sibling answers (renewing first if it must), then this tab proves what it hands over.
        adopted = await self._ask(current, ADOPT_WAIT + self.timeout)
        if adopted is None:
            raise SignInError(E.NETWORK, "Your session is renewed by another tab, which did not hand it over.")
        return adopted

    async def _locked(self, s: Session, fn):
        """``fn()`` holding the family's renewal lock (every tab of this origin)."""
        return await self.env.tabs.exclusively(f"hfsignin:refresh:{s.family}", fn)

    async def _refresh_locked(self, seen: int) -> Session | None:
        """Under the family's lock: this tab's renewal, or None when a sibling holds the newer tokens."""
        s, epoch = self.keeper.current, self.keeper.epoch
        if s is None or not s.renewable:
            raise _ended()
        if s.generation > seen:
            return s  # adopted from a sibling while we waited for the lock
        if self.keeper.local:
            stored = self.keeper.load()
            if stored is not None and stored.family == s.family and stored.generation > s.generation:
                taken = await self.siblings.adopt(stored)
                if taken is not None and taken.generation > s.generation and not taken.is_expired(self.env.clock()):
                    return taken
        result = await self._spend(s, epoch)
        if result is None:
            return None
        if result.session is not None:
            if not self.keeper.commit(result.session, RENEWED, since=epoch):
                raise _ended()  # signed out (or signed in anew) meanwhile: these tokens are nobody's
            return result.session
        if result.ended:
            self.keeper.commit(None, REVOKED, since=epoch)
        raise result.error

    async def _spend(self, s: Session, since: int) -> Renewed | None:
        """Under the family's lock: spend ``s``'s refresh token; None when this tab holds none, or a
        sibling renewed the family since (this copy's is spent). A rotated refresh token whose new
        tokens are not proven yet is kept at once: a spent one is never sent again."""
        marked = self.env.tabs.generation(s.family)
        if (marked is not None and marked > s.generation) or not s.refresh_token:
            return None
        result = await self.steps.renew(s)
        if result.pending is not None and not result.ended:
            self.keeper.commit(result.pending, ROTATED, since=since)
        return result

    async def renew_stored(self, s: Session) -> Session | None:
        """A restored copy whose access token expired (its ID token already checked): renewed with
        its refresh token under the family's lock, or, when a sibling tab renewed the family since
        (this copy's refresh token is spent), the tokens that sibling hands over. Not yet proven
        by userinfo; None when the new ID token is refused."""
        result = await self._locked(s, lambda: self._spend(s, self.keeper.epoch))
        if result is None:
            if await self.env.tabs.count(s.family) == 0:  # the tab that renewed has closed: spent for good
                raise SignInError(E.SESSION_EXPIRED, "Your session has expired. Please sign in again.", reason="spent")
            message = await self.siblings.handover(s, ADOPT_WAIT)
            if message is None:
                raise SignInError(E.NETWORK, "Your session was renewed in another tab that could not hand it over.")
            candidate = handed_over(s, message)
            return candidate if candidate.id_token == s.id_token else await self.steps.check_stored(candidate)
        if result.session is not None:
            return result.session
        if result.ended and result.error.code == E.INVALID_ID_TOKEN:
            return None
        raise result.error  # session_expired (refused: wiped, reported as revoked) or a retry

    async def _ask(self, s: Session, wait: float) -> Session | None:
        """Ask the family for tokens newer than ``s``'s (or for a renewal) and wait for them."""
        self.siblings.ask(s)
        deadline = self.env.clock() + wait
        while self.env.clock() < deadline:
            current = self.keeper.current
            if current is None or current.family != s.family:
                return None
            if current.generation > s.generation:
                return current
            await asyncio.sleep(0.05)
        return None

    def end_if_expired(self) -> Session | None:
        """The live session; one whose token expired and that no renewal can save now has ended."""
        s = self.keeper.current
        if s is not None and s.is_expired(self.env.clock()) and not (s.renewable and self.failures == 0):
            self.keeper.commit(None, EXPIRED, since=self.keeper.epoch)
            return None
        return s

    async def fresh_session(self) -> Session | None:
        """The live session, renewed first if its access token has expired; what API calls use."""
        s = self.keeper.current
        if s is not None and s.renewable and s.is_expired(self.env.clock()):
            epoch = self.keeper.epoch
            try:
                await self.refresh()
            except SignInError as exc:
                if exc.code != E.SESSION_EXPIRED:
                    self.keeper.commit(None, EXPIRED, since=epoch)
                return None
        return self.end_if_expired()

    async def ensure_fresh(self) -> Session | None:
        """The live session, renewed first when due and not waiting after a failure: then after
        what the provider asked (``Retry-After``, ``RateLimit``) or a capped backoff with jitter."""
        now = self.env.clock()
        if self.keeper.current is not None and self.due(now) and (self.renewal is None or now >= self.renewal.retry_at):
            try:
                await self.refresh()
            except SignInError as exc:
                if self.keeper.current is None or exc.code == E.SESSION_EXPIRED:
                    return self.keeper.current
                self.failures += 1
                wait = exc.retry_after if exc.retry_after is not None else backoff(self.failures)
                self._set(Renewal(exc.code, exc.message, self.env.clock() + max(wait, 1.0)))
            else:
                self.reset()
        return self.end_if_expired()

    def reset(self) -> None:
        self.failures = 0
        self._set(None)

    def keep_fresh(self) -> None:
        if self._keeper_task is None or self._keeper_task.done():
            self._keeper_task = asyncio.ensure_future(self._keep())

    def wake(self) -> None:
        self._wake.set()

    async def _keep(self) -> None:
        while self.keeper.current is not None:
            if await self.ensure_fresh() is None:
                return
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self._next_check())
            except TimeoutError:
                pass

    def _next_check(self) -> float:
        """Seconds until the next renewal attempt or expiry, at most a minute (timers drift)."""
        s, now = self.keeper.current, self.env.clock()
        targets = [s.expires_at] if s is not None else []
        if self.renewal is not None:
            targets.append(self.renewal.retry_at)
        elif self.renew_at() is not None:
            targets.append(self.renew_at())
        return max(0.5, min([60.0] + [t - now for t in targets]))

    def _set(self, renewal: Renewal | None) -> None:
        if renewal != self.renewal:
            self.renewal = renewal
            for listener in list(self._listeners):
                listener(renewal)

    def on_renewal(self, listener: Callable[[Renewal | None], None]) -> None:
        self._listeners.append(listener)
