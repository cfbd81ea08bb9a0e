"""The pending view: a session exists, its profile (a new sign-in's userinfo) or its proof (a
stored session on a reload) cannot be had yet. One sentence says what and when it is tried again,
counted down every second; "Retry now" tries at once; Sign out is the only other way out."""

from __future__ import annotations

import asyncio

from hfsignin import SignInError

from .dom import on, q, set_text, spawn
from .text import pending_line, pending_wait


class Pending:
    def __init__(self, clock) -> None:
        self.clock = clock
        self.line = q("#pending-text")
        self.attempts = 0
        self.task: asyncio.Future | None = None
        self.retry = None
        on(q('[data-action="retry-profile"]'), "click", lambda evt: self.now())

    def wait(self, exc: SignInError, retry, *, stored: bool = False) -> None:
        """``exc`` kept the page from showing the profile; ``retry`` (an async function of no
        arguments) is tried after a wait that grows with each failure, or now on a click."""
        self.stop(keep_count=True)
        self.attempts += 1
        self.retry = retry
        deadline = self.clock() + pending_wait(self.attempts, exc.retry_after)
        self.words = lambda left: pending_line(exc.code, exc.status, left, stored=stored)
        self.task = spawn(self._count_down(deadline))

    async def _count_down(self, deadline: float) -> None:
        while (left := deadline - self.clock()) > 0:
            set_text(self.line, self.words(left))
            await asyncio.sleep(min(1.0, left))
        await self._try()

    def now(self) -> None:
        if self.retry is not None:
            self.stop(keep_count=True)
            self.task = spawn(self._try())

    async def _try(self) -> None:
        retry, self.retry = self.retry, None
        set_text(self.line, self.words(None))
        if retry is not None:
            await retry()  # ends in the profile, the pending view again (wait()), or signed out

    def stop(self, keep_count: bool = False) -> None:
        """No more tries (signed in, signed out); ``keep_count`` between two tries of one wait."""
        task, self.task = self.task, None
        if task is not None and task is not asyncio.current_task() and not task.done():
            task.cancel()
        if not keep_count:
            self.attempts = 0
            self.retry = None
