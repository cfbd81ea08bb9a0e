"""Small asyncio helpers the library shares: one attempt at a time, and background work whose
failure is reported elsewhere."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


async def memo(owner, attr: str, make: Callable[[], Awaitable]):
    """One shared attempt per page; a failed one stays failed for everyone waiting on it until
    ``forget_failed`` clears it (when a new operation starts)."""
    future = getattr(owner, attr)
    if future is None:
        future = asyncio.ensure_future(make())
        future.add_done_callback(consume)
        setattr(owner, attr, future)
    return await asyncio.shield(future)


def forget_failed(owner, attr: str) -> None:
    future = getattr(owner, attr)
    if future is not None and future.done() and (future.cancelled() or future.exception() is not None):
        setattr(owner, attr, None)


async def one_at_a_time(owner, attr: str, make: Callable[[], Awaitable]):
    """While an attempt runs, callers share it; once it ends, the next call starts a new one."""
    future = getattr(owner, attr)
    if future is None:
        future = asyncio.ensure_future(make())
        future.add_done_callback(lambda _: setattr(owner, attr, None))
        setattr(owner, attr, future)
    return await asyncio.shield(future)


def consume(future: asyncio.Future) -> None:
    """A background attempt whose error is someone else's to report."""
    if not future.cancelled():
        future.exception()


def spawn(coro) -> asyncio.Future:
    future = asyncio.ensure_future(coro)
    future.add_done_callback(consume)
    return future
