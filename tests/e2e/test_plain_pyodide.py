"""Issue 19: hfsignin in any Pyodide page, not only PyScript. examples/plain-pyodide/ (plain
``loadPyodide()``, the wheel of ``make build`` unpacked by hand, no PyScript at all), assembled by
scripts/example.py into a temporary folder and served by devhub's Space host as the Space, signs in
through a popup in Chromium with the popup blocker ON: the click handler is Python, the window opens
in it, a denial shows as a sentence, then an approval shows the name; the opener never navigates,
nothing logs an error, the window closes each time."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from devhub import DevHub, Options
from harness import BOOT_TIMEOUT_MS, Traffic, controlled, shot
from hfsignin.client import ACCESS_DENIED_MESSAGE

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import example  # noqa: E402 - scripts/example.py, the assembler

HTML = "html"


@pytest.fixture(scope="module")
def example_devhub(tmp_path_factory):
    """The example assembled (with the wheel built as make build builds it) and served as the Space."""
    site = tmp_path_factory.mktemp("plain-pyodide") / "site"
    example.assemble(site)
    devhub = DevHub(Options(site=site, hub_port=0, space_port=0, test_control=True)).start()
    yield devhub
    devhub.stop()


@pytest.fixture
def example_hub(example_devhub):
    yield from controlled(example_devhub)


def click_sign_in(page):
    with page.expect_popup() as opened:
        page.click("#sign-in")
    expect(page.locator(HTML)).to_have_attribute("data-state", "signing-in")
    return opened.value


def at_consent(popup, user: str = "alice") -> None:
    """devhub's sign-in page (skipped once signed in to the hub), then its consent page."""
    popup.wait_for_selector('[data-login], [data-action="approve"]')
    if popup.locator(f'[data-login="{user}"]').count():
        popup.click(f'[data-login="{user}"]')
    popup.wait_for_selector('[data-action="approve"]')


def closed(popup) -> None:
    """callback.js closes the window once the opener has the answer."""
    if not popup.is_closed():
        popup.wait_for_event("close", timeout=10_000)
    assert popup.is_closed()


def test_a_plain_pyodide_page_signs_in_through_a_popup_without_leaving(example_hub, popup_context):
    traffic = Traffic(popup_context)
    page = popup_context.new_page()
    page.goto(example_hub.space_url + "/")
    expect(page.locator(HTML)).to_have_attribute("data-state", "signed-out", timeout=BOOT_TIMEOUT_MS)
    button = page.locator("#sign-in")
    expect(button).to_be_enabled()
    url = page.url
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: frame == page.main_frame and navigations.append(frame.url))
    # Plain Pyodide: no PyScript anywhere, and the library is the built wheel, unpacked by main.mjs.
    paths = {r.url.removeprefix(example_hub.space_url) for r in traffic.requests if r.url.startswith(example_hub.space_url)}
    assert f"/hfsignin-{example.build.library_version()}-py3-none-any.whl" in paths
    [runtime] = example.IMPORTED.findall((example.EXAMPLE / example.LOADER).read_text())
    assert "/" + runtime.replace("pyodide.mjs", "pyodide.asm.wasm") in paths
    assert not any("pyscript" in p for p in paths)
    assert page.evaluate("typeof globalThis.pyscript === 'undefined' && !document.querySelector('script[type=py]')")
    # The control: this browser's popup blocker is on. (Playwright evaluates as a user gesture, whose
    # activation the first window consumes: the second is refused.)
    assert page.evaluate("""() => {
        const first = window.open("about:blank", "_blank", "popup"), second = window.open("about:blank", "_blank", "popup");
        first?.close();
        return first !== null && second === null;
    }""")

    # Denied first: the sentence, as text, and the button again.
    popup = click_sign_in(page)
    at_consent(popup)
    popup.click('[data-action="deny"]')
    expect(page.locator(HTML)).to_have_attribute("data-state", "error")
    expect(page.locator("#status")).to_have_text(ACCESS_DENIED_MESSAGE)
    closed(popup)
    expect(button).to_be_enabled()
    shot(page, "plain-pyodide-denied")

    popup = click_sign_in(page)
    at_consent(popup)
    popup.click('[data-action="approve"]')
    expect(page.locator(HTML)).to_have_attribute("data-state", "signed-in")
    expect(page.locator("#status")).to_have_text("Signed in")
    expect(page.locator("#name")).to_have_text("Alice Liddell")
    closed(popup)
    assert navigations == [] and page.url == url  # the opener never left
    assert len(traffic.token_posts()) == 1
    assert "Traceback" not in page.locator("body").inner_text()
    assert popup_context.guard.problems() == []  # no console error, no request off loopback
    shot(page, "plain-pyodide-signed-in")
