"""Issue 18: one owner of the session. The defects a review found, each played in CPython with a
``MockTransport`` provider and ``TabHub`` tabs, and the shape that keeps them from coming back:
one function changes the session (an AST walk), no class or function grows past its size."""

import ast
import asyncio
import json
import random
from pathlib import Path

import pytest

from hfsignin import SignInError
from hfsignin.idtoken import verify_signature
from hfsignin.jws import CryptographyVerifier
from hfsignin.provider import Provider as ProviderEndpoints
from hfsignin.renewal import backoff
from hfsignin.session import SESSION_KEY, Session
from hfsignin.storage import MemoryStorage
from hfsignin.tabs import TabHub
from hfsignin.transport import HttpResponse, MockTransport
from test_restore import (FAMILY, HUB, JWKS, NOW, TOKEN, USERINFO, Page, Provider, claims, json_response,
                          stored)

ROOT = Path(__file__).resolve().parents[2]


class Gate:
    """An answer held until ``open()``: a slow provider, on purpose."""

    def __init__(self, answer: HttpResponse) -> None:
        self.answer, self.opened, self.waiting = answer, asyncio.Event(), 0

    async def __call__(self):
        self.waiting += 1
        await self.opened.wait()
        return self.answer

    def open(self) -> None:
        self.opened.set()


class SlowProvider(Provider):
    """``Provider`` whose userinfo can be held at a gate."""

    gate: Gate | None = None

    def __call__(self, request):
        if request.path == USERINFO and self.gate is not None:
            return self.gate()
        return super().__call__(request)


def two_tabs(signer, provider, clock=lambda: NOW, **session_over):
    """The original tab and its duplicate (a copy of its sessionStorage), both restored."""
    hub = TabHub()
    a = Page(provider, stored(signer, **session_over), tabs=hub.tab(), clock=clock)
    b = Page(provider, storage=MemoryStorage(dict(a.storage.data)), tabs=hub.tab(), clock=clock)
    return hub, a, b


async def settle(condition, seconds: float = 3.0) -> None:
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("not reached")


# -- #2: a sign-out sticks ---------------------------------------------------------------------

def test_a_sign_out_during_a_slow_hand_over_stays_signed_out(signer):
    """Tab A renews and posts its tokens; B proves them (userinfo, slow) when the visitor signs out
    in B. On 874a864 B adopted them ~0.3 s later: signed in again, storage rewritten."""
    provider = SlowProvider(signer)
    hub, a, b = two_tabs(signer, provider, expires_at=NOW + 100, created_at=NOW - 500)

    async def flow():
        await a.auth.restore()
        await b.auth.restore()
        provider.gate = Gate(json_response({"sub": "62f264b9f3c90f4b6514a269", "name": "Alice"}))
        await a.auth.refresh()  # A renews: B starts proving the handed-over tokens
        await settle(lambda: provider.gate.waiting == 1)
        await b.auth.sign_out()
        provider.gate.open()  # the hand-over's proof ends after the sign-out
        await asyncio.sleep(0.2)
        return b.auth.session

    assert asyncio.run(flow()) is None
    assert b.storage.get(SESSION_KEY) is None and b.changed == [] and b.ended == ["signed_out"]
    assert a.auth.session is None and a.ended == ["signed_out_elsewhere"]


def test_a_tab_never_takes_back_a_family_it_signed_out_of(signer):
    provider = Provider(signer)
    hub, a, b = two_tabs(signer, provider)

    async def flow():
        await a.auth.restore()
        await b.auth.restore()
        held = b.tabs.frozen = True  # the sign-out message waits in the frozen tab
        await a.auth.sign_out()
        renewed = Session.from_json(b.storage.get(SESSION_KEY))
        b.tabs.frozen = False
        # a late "renewed" of the family, however it comes, is not taken
        b.tabs.deliver({"type": "renewed", "family": FAMILY, "generation": 5,
                        "tokens": {"access_token": "hf_oauth_late", "expires_at": NOW + 999, "created_at": NOW,
                                   "scopes": ["openid"], "id_token": renewed.id_token}})
        b.tabs.thaw()
        await asyncio.sleep(0.2)
        return held, await a.auth.restore()

    held, again = asyncio.run(flow())
    assert held and again is None and a.auth.session is None and a.storage.get(SESSION_KEY) is None


def test_an_older_sign_in_of_another_tab_never_replaces_a_newer_one(signer):
    """persist="local": tab B is proving the session tab A signed in with when B signs in itself;
    A's older sign-in must not replace B's."""
    provider = SlowProvider(signer)
    browser, shared = TabHub(), MemoryStorage()
    a = Page(provider, tabs=browser.tab())
    b = Page(provider, tabs=browser.tab())
    for page in (a, b):
        page.auth.keeper._store.storage = shared  # noqa: SLF001 - both tabs read the browser's storage
        page.auth.keeper.local = True
    older = stored(signer, family="older", access_token="hf_oauth_a")
    newer = stored(signer, family="newer", access_token="hf_oauth_b", generation=0)

    async def flow():
        from hfsignin.keeper import SIGNED_IN

        provider.gate = Gate(json_response({"sub": "62f264b9f3c90f4b6514a269", "name": "Alice"}))
        a.auth.keeper.commit(older, SIGNED_IN, since=a.auth.keeper.epoch)  # tells B
        await settle(lambda: provider.gate.waiting == 1)
        b.auth.keeper.commit(newer, SIGNED_IN, since=b.auth.keeper.epoch)  # B signs in meanwhile
        provider.gate.open()
        await asyncio.sleep(0.2)
        return b.auth.session

    assert asyncio.run(flow()).family == "newer"


# -- #3: what crosses the channel --------------------------------------------------------------

def _values(message) -> set:
    """Every string anywhere in a message."""
    if isinstance(message, dict):
        return set().union(*map(_values, message.values())) if message else set()
    if isinstance(message, list):
        return set().union(*map(_values, message)) if message else set()
    return {message} if isinstance(message, str) else set()


def _messages(hub: TabHub) -> list[dict]:
    seen = []
    spy = hub.tab()
    spy.listen(seen.append)
    return seen


def test_refresh_tokens_never_cross_the_channel_and_siblings_ask_the_holder(signer):
    provider, now = Provider(signer), [NOW]
    hub, a, b = two_tabs(signer, provider, clock=lambda: now[0], expires_at=NOW + 100, created_at=NOW - 500)
    seen = _messages(hub)

    async def flow():
        await a.auth.restore()
        await b.auth.restore()
        await a.auth.refresh()  # A holds rt-2 now; B gets the access token only
        await settle(lambda: b.auth.session.generation == 1)
        shared = b.auth.session
        provider.answers[TOKEN] = json_response({"access_token": "hf_oauth_3", "token_type": "bearer",
                                                 "expires_in": 3600, "refresh_token": "rt-3"})
        b.auth.env.tabs.post({"type": "ask", "family": FAMILY, "generation": 1})  # not due yet: A does nothing
        await asyncio.sleep(0.05)
        requests_before_due = len(a.transport.requests)
        now[0] = a.auth.renew_at() + 1
        renewed_for_b = await b.auth.refresh()  # B asks; A renews with rt-2 and hands over
        return shared, renewed_for_b, requests_before_due

    shared, renewed_for_b, requests_before_due = asyncio.run(flow())
    assert [r.path for r in a.transport.requests[:requests_before_due]].count(TOKEN) == 1  # only its own renewal
    assert shared.refresh_token is None and shared.shared and shared.access_token == "hf_oauth_renewed"
    assert renewed_for_b.access_token == "hf_oauth_3" and a.auth.session.refresh_token == "rt-3"
    sent = [r.form["refresh_token"] for t in (a, b) for r in t.transport.requests if r.path == TOKEN]
    assert sent == ["rt-1", "rt-2"]  # every refresh by the holder, none reused
    # (whole values, not substrings: a signature in base64url may contain "rt-" by chance)
    refresh_tokens = {"rt-1", "rt-2", "rt-3"}
    assert seen and not any("refresh_token" in json.dumps(m) or refresh_tokens & _values(m) for m in seen)
    assert json.loads(b.storage.get(SESSION_KEY))["refresh_token"] is None


def test_a_tab_whose_refresh_token_holder_has_closed_is_told_at_once_and_keeps_its_token(signer):
    provider, now = Provider(signer), [NOW]
    hub, a, b = two_tabs(signer, provider, clock=lambda: now[0], expires_at=NOW + 100, created_at=NOW - 500)

    async def flow():
        await a.auth.restore()
        await b.auth.restore()
        await a.auth.refresh()
        await settle(lambda: b.auth.session.generation == 1)
        a.tabs.leave(FAMILY)  # the holder's tab closes
        now[0] = b.auth.renew_at() + 1
        started = asyncio.get_running_loop().time()
        with pytest.raises(SignInError) as err:
            await b.auth.refresh()
        return err.value, asyncio.get_running_loop().time() - started, b.auth.session

    err, waited, kept = asyncio.run(flow())
    assert err.code == "network" and "has closed" in err.message and waited < 1
    assert kept is not None and kept.access_token == "hf_oauth_renewed"  # it lasts until it expires


@pytest.mark.parametrize("message", [
    {"type": "signed_out"},  # no family
    {"type": "signed_out", "family": FAMILY},  # no "everyone"
    {"type": "signed_out", "family": "another-family", "everyone": False},
    {"type": "renewed", "family": FAMILY, "generation": "9"},
    {"type": "renewed", "family": FAMILY, "generation": 9, "tokens": {"access_token": "x"}},
    {"type": "ask", "family": FAMILY, "generation": -1},
    {"type": "unknown", "family": FAMILY},
    ["signed_out", FAMILY],
], ids=lambda m: json.dumps(m)[:40])
def test_a_message_of_the_wrong_shape_or_family_changes_nothing(signer, message):
    provider = Provider(signer)
    hub, a, b = two_tabs(signer, provider)
    seen = _messages(hub)

    async def flow():
        await a.auth.restore()
        b.tabs.post(message)
        await asyncio.sleep(0.05)
        return a.auth.session

    assert asyncio.run(flow()) is not None and a.ended == [] and a.storage.get(SESSION_KEY)
    assert [m for m in seen if m is not message and m != message] == []  # nothing answered


# -- #6: only no answer at all lets a fresh token rest on TLS -----------------------------------

@pytest.mark.parametrize("answer,status", [
    (HttpResponse(200, {"content-type": "text/html"}, b"<html>maintenance</html>"), 200),
    (json_response({"status": "maintenance"}), 200),  # JSON, but not a key set
    (HttpResponse(503), 503),
])
def test_an_http_answer_that_is_not_a_key_set_fails_closed_even_for_a_fresh_token(signer, answer, status):
    transport = MockTransport(lambda request: answer if request.path == JWKS else Provider(signer)(request))
    endpoints = ProviderEndpoints(transport, HUB, 15.0)
    with pytest.raises(SignInError) as err:
        asyncio.run(verify_signature(signer.sign(claims()), advertised_algs=("RS256",), get_jwks=endpoints.jwks,
                                     verifier=CryptographyVerifier(), allow_tls=True))
    assert err.value.code == "keys_unavailable" and err.value.status == status


@pytest.mark.parametrize("failure", [ConnectionError(), TimeoutError()], ids=["network", "timeout"])
def test_no_answer_at_all_lets_a_fresh_token_rest_on_tls(signer, failure):
    def handler(request):
        if request.path == JWKS:
            raise failure
        return Provider(signer)(request)
    endpoints = ProviderEndpoints(MockTransport(handler), HUB, 15.0)
    _, trust = asyncio.run(verify_signature(signer.sign(claims()), advertised_algs=("RS256",),
                                            get_jwks=endpoints.jwks, verifier=CryptographyVerifier(),
                                            allow_tls=True))
    assert trust == "tls"


# -- renewal refused for the app's configuration, not the session's -----------------------------

@pytest.mark.parametrize("error,code,ends", [
    ("invalid_client", "invalid_config", False),
    ("invalid_request", "invalid_config", False),
    ("invalid_grant", "session_expired", True),
])
def test_a_refused_renewal_says_whose_fault_it_is(signer, error, code, ends):
    provider = Provider(signer)
    provider.answers[TOKEN] = json_response({"error": error}, 400)
    page = Page(provider, stored(signer, expires_at=NOW + 100, created_at=NOW - 500))

    async def flow():
        await page.auth.restore()
        with pytest.raises(SignInError) as err:
            await page.auth.refresh()
        return err.value, page.auth.session

    err, after = asyncio.run(flow())
    assert err.code == code and (after is None) == ends
    assert page.ended == (["revoked"] if ends else [])


# -- #8: persist="local", sign-out ends every sign-in of the browser ----------------------------

def test_local_sign_out_ends_every_family_and_clears_the_stored_session(signer):
    provider, browser, shared = Provider(signer), TabHub(), MemoryStorage()
    tabs = [Page(provider, tabs=browser.tab()) for _ in range(2)]
    for page in tabs:
        page.auth.keeper._store.storage = shared  # noqa: SLF001
        page.auth.keeper.local = True
    a, c = tabs

    async def flow():
        from hfsignin.keeper import SIGNED_IN

        a.auth.keeper.commit(stored(signer, family="first"), SIGNED_IN, since=a.auth.keeper.epoch)
        await settle(lambda: c.auth.session is not None)
        c.auth.keeper.commit(stored(signer, family="re-consented"), SIGNED_IN, since=c.auth.keeper.epoch)
        await a.auth.sign_out()
        await settle(lambda: c.auth.session is None)

    asyncio.run(flow())
    assert c.ended == ["signed_out_elsewhere"] and shared.get(SESSION_KEY) is None


# -- #10: jitter no snapshot can fix ----------------------------------------------------------------

def test_backoff_jitter_does_not_come_from_the_random_module():
    """The build's Pyodide snapshot holds ``random``'s state (urllib.request imports it): every
    visitor restoring it would share it. Two "restores" of the same state must still differ."""
    state = random.getstate()
    first = backoff(3)
    random.setstate(state)
    assert backoff(3) != first


# -- the shape ------------------------------------------------------------------------------------

def _functions(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    yield f"{node.name}.{item.name}", item
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.col_offset == 0:
            yield node.name, node


def _changes_the_session(fn) -> bool:
    for node in ast.walk(fn):
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Attribute) and t.attr in ("_session", "_current") for t in targets):
                return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            receiver = ast.unparse(node.func.value).lower()
            if node.func.attr in ("save", "clear") and ("session" in receiver or "_store" in receiver):
                return True
            if node.func.attr == "post" and any(isinstance(a, ast.Call) and ast.unparse(a.func).endswith(
                    "session_message") for a in node.args):
                return True
    return False


def test_exactly_one_function_changes_the_session():
    found = []
    for path in sorted((ROOT / "py" / "hfsignin").rglob("*.py")):
        tree = ast.parse(path.read_text())
        found += [f"{path.stem}.{name}" for name, fn in _functions(tree)
                  if not name.endswith(".__init__") and _changes_the_session(fn)]  # __init__: None, to start
    assert found == ["keeper.SessionKeeper.commit"]


def test_no_class_over_300_lines_no_function_over_60_and_a_facade_without_bases():
    long_classes, long_functions = [], []
    for path in sorted((ROOT / "py").rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            size = (node.end_lineno or node.lineno) - node.lineno + 1 if hasattr(node, "lineno") else 0
            if isinstance(node, ast.ClassDef) and "hfsignin" in path.parts and size > 300:
                long_classes.append(f"{path.name}:{node.name} {size}")
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and size > 60:
                long_functions.append(f"{path.relative_to(ROOT)}:{node.name} {size}")
    assert long_classes == [] and long_functions == []
    client = ROOT / "py" / "hfsignin" / "client.py"
    assert len(client.read_text().splitlines()) <= 300
    [facade] = [n for n in ast.parse(client.read_text()).body if isinstance(n, ast.ClassDef) and n.name == "HFSignIn"]
    assert facade.bases == []
