"""The starter Space (python -m hfsignin.starter), generated into a temporary folder and served by
devhub: the default one (self-hosted, under the demo Space's Content-Security-Policy) signs in, lists
the visitor's models, shows errors as sentences and, in the hub's Space page with storage blocked,
offers the sign-in in a new tab; the CDN one (an opt-in) does the same with its CDN (jsDelivr) stood in
for by the same pinned files, taken from static_site/vendor, under that policy widened to jsDelivr."""

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from devhub import DevHub, Options
from harness import HubControl, controlled, shot, sign_in, wait_booted
from hfsignin.client import ACCESS_DENIED_MESSAGE
from hfsignin.starter import CDN, PYODIDE, PYODIDE_CDN, PYSCRIPT, PYSCRIPT_CDN, wheel_name, write_starter

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "static_site" / "vendor"
# index.html's policy, read here without the starter's code
[DEMO_POLICY] = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', (ROOT / "index.html").read_text())
POLICY_OF_PAGE = "document.querySelector('meta[http-equiv=\"Content-Security-Policy\"]')?.content ?? null"


def policy_served(page, hub_url: str) -> str | None:
    """The page's policy as the starter wrote it: without the hub's origin, which devhub's Space host may
    add beside https://huggingface.co (devhub plays huggingface.co)."""
    policy = page.evaluate(POLICY_OF_PAGE)
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(hub_url))
    return policy and policy.replace(f" {origin}", "")


def serve(site: Path) -> DevHub:
    return DevHub(Options(site=site, readme=site / "README.md", hub_port=0, space_port=0, test_control=True)).start()


def started(tmp_path_factory, runtime: str | None, name: str):
    """A fixture's body: a starter Space written for ``runtime`` (None: the default), served by devhub."""
    site = tmp_path_factory.mktemp("starter") / name
    write_starter(site, *([runtime] if runtime else []))
    devhub = serve(site)
    yield devhub
    devhub.stop()


@pytest.fixture(scope="module")
def self_hosted(tmp_path_factory):
    yield from started(tmp_path_factory, None, "my-space")  # the default runtime


@pytest.fixture(scope="module")
def cdn(tmp_path_factory):
    yield from started(tmp_path_factory, "cdn", "my-cdn-space")


@pytest.fixture
def starter_hub(self_hosted):
    yield from controlled(self_hosted)


def fetched_paths(context, origin: str) -> list[str]:
    paths: list[str] = []
    context.on("request", lambda r: r.url.startswith(origin) and paths.append(r.url.removeprefix(origin)))
    return paths


def test_the_self_hosted_starter_shows_a_cancelled_sign_in_then_signs_in_and_lists_the_models(starter_hub, context):
    paths = fetched_paths(context, starter_hub.space_url)
    page = context.new_page()
    page.goto(starter_hub.space_url + "/")
    assert wait_booted(page) == "signed-out"
    assert sign_in(page, user="bob", approve=False) == "error"
    expect(page.locator("#error")).to_have_text(ACCESS_DENIED_MESSAGE)  # a sentence, no stack trace
    assert "Traceback" not in page.locator("body").inner_text()
    shot(page, "30-starter-access-denied")
    assert sign_in(page, user="bob") == "signed-in"  # the same button again
    expect(page.locator("#username")).to_have_text("bob")
    expect(page.locator("#models")).to_have_text("bob/reggae-bert")
    expect(page.locator("#error")).to_be_empty()
    assert page.evaluate("document.documentElement.dataset.pythonBoot") == "snapshot"  # the checkout's, verified
    assert f"/{wheel_name()}" in paths and f"/static/vendor/pyscript-{PYSCRIPT}/core.js" in paths
    # all of it under the demo Space's policy (a violation would be a console error: the guard fails the test)
    assert policy_served(page, starter_hub.hub_url) == DEMO_POLICY
    shot(page, "31-starter-self-hosted-signed-in")


def test_the_starter_in_the_space_page_with_storage_blocked_signs_in_in_a_new_tab(starter_hub, context):
    page = context.new_page()
    page.goto(f"{starter_hub.hub_url}/spaces/{starter_hub.devhub.options.space_id}")
    frame = page.frame_locator("#space-frame")
    link = frame.locator('[data-action="sign-in"]')
    expect(link).to_have_text("Open in a new tab to sign in")
    expect(frame.locator("html")).to_have_attribute("data-embed", "blocked")
    expect(frame.locator("html")).to_have_attribute("data-auth", "signed-out")
    assert link.get_attribute("href") == starter_hub.space_url + "/?sign-in"
    assert link.get_attribute("target") == "_blank"
    expect(frame.locator("#embed-note")).to_contain_text("blocks storage")
    shot(page, "32-starter-framed-storage-blocked")
    with context.expect_page() as opened:
        link.click()
    tab = opened.value
    tab.click('[data-login="bob"]')  # ?sign-in went straight to the provider
    tab.click('[data-action="approve"]')
    assert wait_booted(tab) == "signed-in"
    expect(tab.locator("#models")).to_have_text("bob/reggae-bert")
    assert "sign-in" not in tab.url and "code=" not in tab.url


def test_the_cdn_starter_signs_in_with_its_cdn_stood_in_for_by_the_pinned_files(cdn, context):
    hub = HubControl(cdn)
    hub.reset()
    pyscript = context.guard.stand_in(PYSCRIPT_CDN, VENDOR / f"pyscript-{PYSCRIPT}")
    pyodide = context.guard.stand_in(PYODIDE_CDN, VENDOR / f"pyodide-{PYODIDE}")
    page = context.new_page()
    page.goto(hub.space_url + "/")
    assert wait_booted(page) == "signed-out"
    assert sign_in(page, user="bob") == "signed-in"
    expect(page.locator("#models")).to_have_text("bob/reggae-bert")
    assert PYSCRIPT_CDN + "core.js" in pyscript and PYSCRIPT_CDN + "core.css" in pyscript
    assert PYODIDE_CDN + "pyodide.asm.wasm" in pyodide
    # under the demo's policy with jsDelivr added (PyScript's module and CSS, what Pyodide fetches): enough to run
    policy = policy_served(page, hub.hub_url)
    assert policy != DEMO_POLICY and policy.replace(f" {CDN}", "") == DEMO_POLICY
    shot(page, "33-starter-cdn-signed-in")
    hub.close()
