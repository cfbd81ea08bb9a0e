"""The other tabs of this browser that hold the same sign-in.

"Duplicate tab" (and ``window.open`` without ``noopener``) copies sessionStorage,
so two tabs can hold one refresh token. Refresh tokens rotate and the provider
revokes the whole family when a spent one comes back, so such tabs must never
both refresh: a lock serialises renewals, a shared marker says which generation
of the tokens is current, and a channel hands the renewed tokens (and sign-outs)
to the others. A tab adopts tokens from the channel only after checking them as
a restore does.

``BrowserTabs``: Web Locks, BroadcastChannel and a localStorage marker (not a
secret: a family id and a number); what the browser lacks or refuses (a frame with
third-party storage blocked) it does as ``SoloTabs`` would. ``LocalTabs``: the same
in one process, for tests (several ``HFSignIn`` objects playing tabs, one of them
possibly frozen).
``SoloTabs``: a single tab, nothing to coordinate.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

T = TypeVar("T")
CHANNEL = "hfsignin"
MARKER_PREFIX = "hfsignin:family:"
MEMBER_PREFIX = "hfsignin:member:"


class Tabs(Protocol):
    async def exclusively(self, name: str, fn: Callable[[], Awaitable[T]]) -> T:
        """Run ``fn`` while holding the lock ``name`` in every tab of this origin."""

    def post(self, message: dict) -> None:
        """Send ``message`` to the other tabs (never to this one)."""

    def listen(self, handler: Callable[[dict], None]) -> None: ...

    def generation(self, family: str) -> int | None:
        """The current generation of ``family``'s tokens, as the last tab to renew them left it."""

    def set_generation(self, family: str, generation: int | None) -> None: ...

    def join(self, family: str) -> None:
        """This tab holds ``family``'s sign-in (for ``count``)."""

    def leave(self, family: str) -> None: ...

    def count(self, family: str) -> Awaitable[int]:
        """How many tabs (this one included) hold ``family``'s sign-in at the moment of the call."""


async def _ready(value: T) -> T:
    return value


class SoloTabs:
    """One tab alone: no lock to take, nobody to tell."""

    def __init__(self) -> None:
        self._generations: dict[str, int] = {}
        self._families: set[str] = set()

    async def exclusively(self, name, fn):
        return await fn()

    def post(self, message):
        pass

    def listen(self, handler):
        pass

    def generation(self, family):
        return self._generations.get(family)

    def set_generation(self, family, generation):
        if generation is None:
            self._generations.pop(family, None)
        else:
            self._generations[family] = generation

    def join(self, family):
        self._families.add(family)

    def leave(self, family):
        self._families.discard(family)

    def count(self, family):
        return _ready(1 if family in self._families else 0)


class TabHub:
    """One browser's worth of shared state for ``LocalTabs`` (tests)."""

    def __init__(self) -> None:
        self.locks: dict[str, asyncio.Lock] = {}
        self.tabs: list[LocalTabs] = []
        self.generations: dict[str, int] = {}

    def tab(self) -> LocalTabs:
        tab = LocalTabs(self)
        self.tabs.append(tab)
        return tab


class LocalTabs(SoloTabs):
    """A tab of a ``TabHub``: its generations are the hub's, its messages reach the hub's other
    tabs. ``frozen`` holds incoming messages until ``thaw()``, as a browser does for a frozen page."""

    def __init__(self, hub: TabHub) -> None:
        super().__init__()
        self.hub = hub
        self._generations = hub.generations
        self.handlers: list[Callable[[dict], None]] = []
        self.frozen = False
        self.held: list[dict] = []

    async def exclusively(self, name, fn):
        async with self.hub.locks.setdefault(name, asyncio.Lock()):
            return await fn()

    def post(self, message):
        text = json.dumps(message)  # what crosses is a copy, as with postMessage
        for tab in self.hub.tabs:
            if tab is not self:
                tab.deliver(json.loads(text))

    def deliver(self, message: dict) -> None:
        if self.frozen:
            self.held.append(message)
            return
        for handler in list(self.handlers):
            asyncio.get_running_loop().call_soon(handler, message)

    def thaw(self) -> None:
        self.frozen = False
        held, self.held = self.held, []
        for message in held:
            self.deliver(message)

    def listen(self, handler):
        self.handlers.append(handler)

    def count(self, family):
        return _ready(sum(family in tab._families for tab in self.hub.tabs))


class BrowserTabs:
    """Web Locks, a BroadcastChannel and localStorage. Where one is missing or refused
    (an old browser; a cross-site frame with third-party storage blocked, where Web Locks
    reject with SecurityError, localStorage throws and Firefox's BroadcastChannel throws)
    that part behaves as a single tab's, without an error: no other tab of this browser
    can share such a frame's storage, so there is nobody to coordinate with."""

    def __init__(self) -> None:
        import js

        self._js = js
        self._id = secrets.token_urlsafe(8)
        self._handlers: list[Callable[[dict], None]] = []
        self._members: dict[str, Callable[[], None]] = {}
        self._keep = []  # JS callbacks must outlive the calls that registered them
        self._channel = None
        self._solo = SoloTabs()
        self._locks_refused = False  # the browser refused Web Locks once: it does for the page's life
        try:
            self._channel = js.BroadcastChannel.new(CHANNEL)
            self._channel.onmessage = self._proxy(self._receive)
        except Exception:  # noqa: BLE001 - no BroadcastChannel: nobody to tell
            self._channel = None

    def _proxy(self, fn):
        from pyodide.ffi import create_proxy

        proxy = create_proxy(fn)
        self._keep.append(proxy)
        return proxy

    @property
    def _locks(self):
        return None if self._locks_refused else getattr(self._js.navigator, "locks", None)

    def _refuse_locks(self, error=None) -> None:
        self._locks_refused = True

    def _receive(self, event) -> None:
        try:
            message = json.loads(str(event.data))
        except (TypeError, ValueError):
            return
        if isinstance(message, dict):
            for handler in list(self._handlers):
                handler(message)

    async def exclusively(self, name, fn):
        locks = self._locks
        if locks is None:
            return await fn()
        from pyodide.ffi import create_once_callable

        outcome = asyncio.get_running_loop().create_future()
        started = False

        async def run():
            nonlocal started
            started = True
            try:
                outcome.set_result(await fn())
            except BaseException as exc:  # noqa: BLE001 - handed back below, outside the lock
                outcome.set_exception(exc)

        # The lock is held until the promise the callback returns settles.
        try:
            await locks.request(name, create_once_callable(lambda lock: asyncio.ensure_future(run())))
        except Exception:  # noqa: BLE001 - refused before ``fn`` ran (SecurityError): alone, run it
            if started:
                raise
            self._refuse_locks()
            return await fn()
        return await outcome

    def post(self, message):
        if self._channel is not None:
            self._channel.postMessage(json.dumps(message))

    def listen(self, handler):
        self._handlers.append(handler)

    def _storage(self):
        try:
            return self._js.window.localStorage
        except Exception:  # noqa: BLE001 - blocked storage
            return None

    def generation(self, family):
        storage = self._storage()
        if storage is None:
            return self._solo.generation(family)
        try:
            value = storage.getItem(MARKER_PREFIX + family)
        except Exception:  # noqa: BLE001
            return self._solo.generation(family)
        return int(value) if isinstance(value, str) and value.isdigit() else None

    def set_generation(self, family, generation):
        self._solo.set_generation(family, generation)
        storage = self._storage()
        try:
            if generation is None:
                storage.removeItem(MARKER_PREFIX + family)
            else:
                storage.setItem(MARKER_PREFIX + family, str(generation))
        except Exception:  # noqa: BLE001 - the in-memory marker remains
            pass

    def join(self, family):
        self._solo.join(family)
        locks = self._locks
        if locks is None or family in self._members:
            return
        from pyodide.ffi import create_once_callable

        release = asyncio.get_running_loop().create_future()
        self._members[family] = lambda: release.done() or release.set_result(None)
        options = self._js.Object.fromEntries(self._js.Array.of(self._js.Array.of("mode", "shared")))
        held = locks.request(f"{MEMBER_PREFIX}{family}:{self._id}", options,
                             create_once_callable(lambda lock: release))
        held.catch(self._refuse_locks)  # refused: count() then counts this tab alone

    def leave(self, family):
        self._solo.leave(family)
        release = self._members.pop(family, None)
        if release:
            release()

    def count(self, family):
        locks = self._locks
        if locks is None:
            return self._solo.count(family)
        prefix = f"{MEMBER_PREFIX}{family}:"

        def members(state):
            return len({str(lock.name) for lock in state.held if str(lock.name).startswith(prefix)})

        def refused(error):
            self._refuse_locks()
            return -1

        # The snapshot is taken now, before a leave() that follows; a refusal is handled at once.
        counted = locks.query().then(members, refused)

        async def held():
            found = await counted
            return found if found >= 0 else await self._solo.count(family)
        return held()
