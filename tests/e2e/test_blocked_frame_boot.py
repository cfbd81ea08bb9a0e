"""Python boots in the hub's Space page frame with third-party storage blocked, in Chromium and in
Firefox (network.cookie.cookieBehavior=1), under the usual guard (no console error, no PyScript
error box): the page still offers sign-in in a new tab (data-embed="blocked"), but Python is ready,
the snapshot was checked against its digest with no copy kept, boot.js stood in only for what the
browser refused (docs/space.md, "Storage in a blocked frame"), and hfsignin keeps this tab's state
in memory where sessionStorage is refused and coordinates tabs as a single tab, without an error."""

import json
import re

import pytest
from playwright.sync_api import expect

from harness import BOOT_TIMEOUT_MS, shot

# Run in the frame as a <script type="py"> of its own: the library as the Space app would use it.
LIBRARY_IN_THE_FRAME = """
import asyncio, json
from js import document
from hfsignin.environment import browser_environment
from hfsignin.tabs import BrowserTabs

env = browser_environment()
env.storage.set("hfsignin:probe-key", "kept")
member = BrowserTabs()  # a shared Web Lock per tab: refused, so this tab counts alone
member.join("probe-family")
members = await member.count("probe-family")
renewer = BrowserTabs()  # the renewal lock: refused, so the renewal runs alone
ran = await renewer.exclusively("hfsignin:probe-lock", lambda: asyncio.sleep(0, "ran"))
marker = BrowserTabs()  # the generation marker: localStorage refused, kept in memory
marker.set_generation("probe-family", 3)
marker.post({"type": "probe"})
await asyncio.sleep(0.3)  # any refusal left unhandled would be a console error by now
document.documentElement.dataset.libraryProbe = json.dumps({
    "storage_kind": env.storage_kind, "kept": env.storage.get("hfsignin:probe-key"),
    "shared_storage": env.shared_storage is not None, "members": members, "ran": ran,
    "generation": marker.generation("probe-family"),
})
member.leave("probe-family")
"""

# What boot.js left in place of the browser's own: a stand-in is a plain object or function.
STAND_INS = """() => ({
  indexedDB: !(window.indexedDB instanceof IDBFactory),
  BroadcastChannel: !/\\[native code\\]/.test(String(window.BroadcastChannel)),
})"""


def space_frame(page, hub):
    page.goto(f"{hub.hub_url}/spaces/{hub.devhub.options.space_id}")
    return page.frame_locator("#space-frame"), next(f for f in page.frames if f.url.startswith(hub.space_url))


def run_the_library(frame, inside) -> dict:
    inside.evaluate("(code) => { const s = document.createElement('script'); s.type = 'py'; s.textContent = code;"
                    " document.body.appendChild(s); }", LIBRARY_IN_THE_FRAME)
    expect(frame.locator("html")).to_have_attribute("data-library-probe", re.compile("."), timeout=30_000)
    return json.loads(inside.evaluate("document.documentElement.dataset.libraryProbe"))


def boots_blocked(page, hub, screenshot: str) -> tuple[dict, dict]:
    """The frame with storage blocked: Python ready, the blocked page as before. Returns what boot.js
    stood in for and what the library found."""
    frame, inside = space_frame(page, hub)
    html = frame.locator("html")
    expect(html).to_have_attribute("data-python", "ready", timeout=BOOT_TIMEOUT_MS)
    expect(html).to_have_attribute("data-embed", "blocked")
    expect(html).to_have_attribute("data-auth", "signed-out")
    expect(frame.locator("#runtime-status")).to_have_text("Python ready")
    link = frame.locator('[data-action="sign-in"]')
    expect(link).to_have_text("Open in a new tab to sign in")
    assert link.evaluate("a => a.tagName") == "A" and link.get_attribute("target") == "_blank"
    expect(frame.locator("#embed-note")).to_contain_text("blocks storage")
    expect(frame.locator('[role="alert"]')).to_be_hidden()
    # the build's snapshot, downloaded and verified against its digest; Cache Storage refused, so no copy kept
    assert inside.evaluate("[hfsigninRuntime.boot, hfsigninRuntime.snapshot, hfsigninRuntime.copies]") == [
        "snapshot", "verified", "refused"]
    shot(page, screenshot)
    return inside.evaluate(STAND_INS), run_the_library(frame, inside)


def test_python_boots_in_the_blocked_frame_in_chromium(page, hub):
    """Chromium refuses sessionStorage, localStorage, IndexedDB, Cache Storage and Web Locks there;
    BroadcastChannel works (partitioned)."""
    stand_ins, library = boots_blocked(page, hub, "13b-framed-storage-blocked-python-ready")
    assert stand_ins == {"indexedDB": True, "BroadcastChannel": False}
    assert library == {"storage_kind": "memory", "kept": "kept", "shared_storage": False, "members": 1, "ran": "ran",
                       "generation": 3}


@pytest.mark.firefox
def test_python_boots_in_the_blocked_frame_in_firefox(ff_page, hub):
    """Firefox keeps sessionStorage there, and refuses localStorage, IndexedDB, Cache Storage, Web
    Locks and BroadcastChannel."""
    stand_ins, library = boots_blocked(ff_page, hub, "firefox-04b-framed-storage-blocked-python-ready")
    assert stand_ins == {"indexedDB": True, "BroadcastChannel": True}
    assert library == {"storage_kind": "session", "kept": "kept", "shared_storage": False, "members": 1, "ran": "ran",
                       "generation": 3}


def test_no_stand_in_where_the_browser_allows_storage(page, context_3p_allowed, hub):
    """Top-level, and in the frame when third-party storage is allowed, PyScript gets the browser's own."""
    page.goto(hub.space_url + "/")
    expect(page.locator("html")).to_have_attribute("data-python", "ready", timeout=BOOT_TIMEOUT_MS)
    assert page.evaluate(STAND_INS) == {"indexedDB": False, "BroadcastChannel": False}
    allowed = context_3p_allowed.pages[0] if context_3p_allowed.pages else context_3p_allowed.new_page()
    frame, inside = space_frame(allowed, hub)
    expect(frame.locator("html")).to_have_attribute("data-python", "ready", timeout=BOOT_TIMEOUT_MS)
    assert frame.locator("html").get_attribute("data-embed") == "space"
    assert inside.evaluate(STAND_INS) == {"indexedDB": False, "BroadcastChannel": False}
