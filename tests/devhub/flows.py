"""hfsignin in CPython against devhub: a client per "tab", the hub's pages walked over HTTP,
and a clock the tests can move."""

import asyncio
import contextlib
import time
from urllib.parse import parse_qsl, urlsplit

import httpx

from devhub import DevHub, Options
from harness import HubBrowser
from hfsignin import HFSignIn, SignInError
from hfsignin.environment import local_environment


@contextlib.contextmanager
def launched_with(name: str, launch, other):
    """A devhub launched with the setting ``name`` at ``launch``: the control API reports it, and
    after a change to ``other`` both ``null`` and reset bring it back. Yields (devhub, control client)."""
    launched = DevHub(Options(hub_port=0, space_port=0, test_control=True, **{name: launch})).start()
    control = httpx.Client(base_url=launched.hub_url, timeout=30)
    try:
        assert control.post("/_devhub/settings", json={}).json()[name] == launch
        assert control.post("/_devhub/settings", json={name: other}).json()[name] == other
        assert control.post("/_devhub/settings", json={name: None}).json()[name] == launch
        control.post("/_devhub/settings", json={name: other})
        assert control.post("/_devhub/reset", json={}).status_code == 200
        assert control.post("/_devhub/settings", json={}).json()[name] == launch
        yield launched, control
    finally:
        control.close()
        launched.stop()


@contextlib.asynccontextmanager
async def client(hub, *, storage=None, page="/", timeout=15.0, clock=None, tabs=None, shared_storage=None,
                 persist="tab", transport=None):
    """An HFSignIn on its own environment; ``tabs``/``shared_storage`` make it a tab of a browser."""
    env = local_environment(hub.space_url + page, storage=storage, variables=hub.devhub.variables, clock=clock,
                            tabs=tabs, shared_storage=shared_storage)
    if transport is not None:
        env.transport = transport(env.transport)
    try:
        yield HFSignIn(env=env, timeout=timeout, persist=persist)
    finally:
        await env.transport.aclose()


def consent(hub, url, *, user="alice", orgs=(), approve=True) -> str:
    """Walk the hub's pages for an authorize URL; returns where the hub sends the browser back."""
    agent = HubBrowser(hub.hub_url)
    try:
        resp = agent.authorize(dict(parse_qsl(urlsplit(url).query)), user=user, orgs=list(orgs), approve=approve)
    finally:
        agent.close()
    return resp.headers["location"]


async def sign_in(hub, auth, *, user="alice", orgs=(), approve=True, before_return=None, login=None):
    """login_url → consent → handle_redirect; returns the Session or the SignInError."""
    url = await auth.login_url(**(login or {}))
    auth.env.navigator.url = consent(hub, url, user=user, orgs=orgs, approve=approve)
    if before_return:
        before_return()
    try:
        return await auth.handle_redirect()
    except SignInError as exc:
        return exc


def run(fn):
    return asyncio.run(fn())


class Clock:
    def __init__(self):
        self.offset = 0.0
        self._time = time.time

    def __call__(self):
        return self._time() + self.offset

    def at(self, when: float) -> None:
        """Jump so that now is ``when`` (epoch seconds)."""
        self.offset = when - self._time()



class Unreachable:
    """A transport on which some URLs get no HTTP answer at all (as when a browser blocks a
    response without CORS headers): ``network`` errors, like FetchTransport raises."""

    def __init__(self, inner, *suffixes: str) -> None:
        self.inner, self.suffixes, self.blocked = inner, suffixes, []

    async def request(self, method, url, **kw):
        if url.split("?", 1)[0].endswith(self.suffixes):
            self.blocked.append(url)
            raise SignInError("network", "Could not reach the sign-in provider.")
        return await self.inner.request(method, url, **kw)

    async def aclose(self):
        await self.inner.aclose()
