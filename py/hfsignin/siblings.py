"""What this tab does with the family's messages (``family`` has their shapes): take a sibling's
renewed tokens once they prove themselves, answer a sibling that missed them, end with a sign-out."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace

from .errors import SignInError
from .family import Message, ask_message, handed_over, parse
from .keeper import ADOPTED, RESENT, SIGNED_OUT_ELSEWHERE, SessionKeeper
from .session import Session
from .steps import SignInSteps
from .tabs import Tabs
from .tasks import spawn


class Siblings:
    def __init__(self, keeper: SessionKeeper, steps: SignInSteps, tabs: Tabs, renew: Callable[[], Awaitable]) -> None:
        self.keeper = keeper
        self.steps = steps
        self.tabs = tabs
        self.renew = renew  # this tab's own renewal when due, for a sibling that asks while this tab holds the refresh token
        self._awaited: dict[str, tuple[int, asyncio.Future]] = {}  # family → (generation held, hand-over)

    def ask(self, s: Session) -> None:
        """Ask the family for tokens newer than ``s``'s, or for a renewal by the tab holding the refresh token."""
        self.tabs.post(ask_message(s))

    async def handover(self, s: Session, wait: float) -> Message | None:
        """For a copy that is not this tab's session yet (a restore): the "renewed" a sibling sends
        after ``ask``, or None after ``wait`` seconds."""
        future = asyncio.get_running_loop().create_future()
        self._awaited[s.family] = (s.generation, future)
        self.ask(s)
        try:
            return await asyncio.wait_for(future, wait)
        except TimeoutError:
            return None
        finally:
            self._awaited.pop(s.family, None)

    def on_message(self, raw: object) -> None:
        message = parse(raw)
        if message is None:
            return
        s, keeper = self.keeper.current, self.keeper
        self._hand_over(message)
        ours = s is not None and s.family == message.family
        if message.type == "signed_out" and s is not None and (ours or (message.everyone and keeper.local)):
            keeper.commit(None, SIGNED_OUT_ELSEWHERE, since=keeper.epoch)
        elif message.type == "renewed" and ours and message.generation > s.generation:
            self._take(message)
        elif message.type == "signed_in" and keeper.local and s is None:
            spawn(self.adopt_stored())
        elif message.type == "ask" and ours:
            self._answer(s, message)

    def _hand_over(self, message: Message) -> None:
        generation, future = self._awaited.get(message.family, (None, None))
        if (future is not None and not future.done() and message.type == "renewed" and message.tokens is not None
                and message.generation > generation):
            future.set_result(message)

    def _take(self, message: Message) -> None:
        if self.keeper.local:
            spawn(self.adopt_stored())  # the shared storage holds the whole session, refresh token included
        elif message.tokens is not None:
            spawn(self.adopt(handed_over(self.keeper.current, message)))

    def _answer(self, s: Session, message: Message) -> None:
        if s.generation > message.generation:
            self.keeper.commit(s, RESENT, since=self.keeper.epoch)
        elif s.generation == message.generation and s.refresh_token:
            spawn(self.renew())

    async def adopt(self, candidate: Session) -> Session | None:
        """Take a session another tab made, once it proves itself like a restored one (its ID token
        when it is not the one already proven here, then one userinfo call). What the keeper holds
        afterwards; a candidate that fails, or arrives after a newer state, is dropped."""
        keeper, epoch = self.keeper, self.keeper.epoch
        if not keeper.accepts(candidate, ADOPTED, epoch):
            return keeper.current
        current = keeper.current
        same_token = current is not None and candidate.id_token == current.id_token
        if same_token:
            candidate = replace(candidate, claims=current.claims, trust=current.trust)
        try:
            proven = await self.steps.prove(candidate, checked=same_token)
        except SignInError:
            return keeper.current  # the provider is unreachable: keep what we have; the next renewal asks again
        if proven is not None:
            keeper.commit(proven, ADOPTED, since=epoch)
        return keeper.current

    async def adopt_stored(self) -> Session | None:
        """persist="local": the session another tab left in the shared storage."""
        stored = self.keeper.load()
        return await self.adopt(stored) if stored is not None else self.keeper.current
