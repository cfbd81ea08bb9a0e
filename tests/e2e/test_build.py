"""The built folder works from a plain static file server (Python's http.server),
with nothing of devhub's Space host: proof that the build needs no dev tooling. It loads
hfsignin from its wheel (one line of dist/pyscript.toml), as a Space of anyone's would: the
published wheel without the starter, which is for `python -m hfsignin.starter`, not browsers."""

import functools
import subprocess
import sys
import threading
import tomllib
import zipfile
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import expect

from devhub import DevHub, Options
from devhub.space_host import admit_stand_in, inject
from harness import HubControl, shot, sign_in, wait_booted

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import build  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def built_site(tmp_path_factory) -> Path:
    """What make build puts in dist/, built into a folder of this worker's own (tests on other workers
    build too, and each build empties its folder first)."""
    site = tmp_path_factory.mktemp("static") / "site"
    built = subprocess.run([sys.executable, str(ROOT / "scripts" / "build.py"), "--out", str(site)],
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    return site


def space_wheels(site: Path) -> list[str]:
    """The wheels the built Space's pyscript.toml unpacks, as paths of the site."""
    return [src.removeprefix("./") for src in tomllib.loads((site / "pyscript.toml").read_text())["files"]
            if src.endswith(".whl")]


@pytest.fixture(scope="module")
def static_space(built_site):
    site = built_site
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    url = f"http://127.0.0.1:{server.server_address[1]}"
    hub = DevHub(Options(hub_port=0, space_url=url, readme=site / "README.md", test_control=True)).start()
    # What Hugging Face's static hosting does to index.html, done once, ahead of time; and what devhub's
    # Space host does besides: its hub beside huggingface.co in the page's (production) policy.
    index = site / "index.html"
    hub.variables["HFSIGNIN_SIGN_IN"] = "redirect"  # this journey counts the wheel on both loads of a redirect
    index.write_text(inject(admit_stand_in(index.read_text(), hub.hub_url), hub.variables))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield hub
    server.shutdown()
    hub.stop()


def test_the_space_loads_the_library_without_its_starter(built_site):
    published = f"hfsignin-{build.library_version()}-py3-none-any.whl"
    [library] = [w for w in space_wheels(built_site) if w.rsplit("/", 1)[-1].startswith("hfsignin-")]
    with zipfile.ZipFile(built_site / library) as wheel:
        names = wheel.namelist()
    assert "hfsignin/client.py" in names and "hfsignin/py.typed" in names
    assert not [n for n in names if n.startswith("hfsignin/starter/")], "the Space's visitors would download the starter"
    # the published wheel, beside it in dist/, still carries the starter: python -m hfsignin.starter needs it
    assert library != published
    with zipfile.ZipFile(built_site / published) as wheel:
        assert {"hfsignin/starter/__main__.py", "hfsignin/starter/templates/index.html",
                "hfsignin/starter/runtime/boot.js"} <= set(wheel.namelist())


def test_the_built_folder_signs_in_from_a_plain_static_server(static_space, built_site, context):
    hub = HubControl(static_space)
    fetched = []
    context.on("response", lambda r: fetched.append((r.url.removeprefix(hub.space_url), r.status)))
    page = context.new_page()
    page.goto(hub.space_url + "/")
    assert wait_booted(page) == "signed-out"
    assert sign_in(page, user="alice", orgs=["tea-party-ai"], private=True) == "signed-in"
    page.wait_for_selector('[data-repo="alice/drink-me-lora"]')
    expect(page.locator('[data-org="tea-party-ai"]')).to_be_visible()
    shot(page, "16-built-folder-signed-in")
    # The library came from its wheel, on both page loads (before and after the provider), never module by module.
    [wheel] = ["/" + w for w in space_wheels(built_site) if w.rsplit("/", 1)[-1].startswith("hfsignin-")]
    statuses = [status for url, status in fetched if url == wheel]
    assert statuses and set(statuses) <= {200, 304}, statuses
    assert not [url for url, _ in fetched if "/hfsignin/" in url], "hfsignin modules fetched one by one"
    assert ("/py/space_app/main.py", 200) in fetched
    # and the popup's callback page is there, beside index.html, with its script
    assert (built_site / "callback.html").is_file() and (built_site / "static_site" / "callback.js").is_file()
    hub.close()
