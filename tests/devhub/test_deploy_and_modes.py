"""make build, make deploy, and devhub's other shapes (a Space served elsewhere;
a real provider)."""

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from devhub import DevHub, Options
from devhub.seed import SeedError

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import build  # noqa: E402
import deploy  # noqa: E402


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """make build's output, in a folder of this worker's own: two workers building dist/ at once
    would each empty it under the other."""
    folder = tmp_path_factory.mktemp("build") / "dist"
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "build.py"), "--out", str(folder)],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "largest static_site/vendor/pyodide-314.0.7/pyodide.asm.wasm" in out.stdout
    return folder


@pytest.fixture
def dist(built, monkeypatch):
    """The built folder, as make deploy's dist/."""
    monkeypatch.setattr(deploy, "DIST", built)
    return built


def test_build_holds_only_what_the_space_serves(dist):
    files = {p.relative_to(dist).as_posix() for p in dist.rglob("*") if p.is_file()}
    wheel = f"hfsignin-{build.library_version()}-py3-none-any.whl"
    assert {"index.html", "pyscript.toml", "README.md", wheel, f"py/{wheel}", "py/space_app/main.py",
            "static_site/boot.js", "static_site/vendor/pyodide-314.0.7/pyodide.asm.wasm",
            "static_site/vendor/wheels/pyodide_http-0.2.2-py3-none-any.whl"} <= files
    assert not [f for f in files if f.startswith(("py/devhub", "py/hfsignin/", "tests", "scripts", "node_modules", "."))
                or "__pycache__" in f]
    assert (dist / "README.md").read_text().startswith("---\n")
    assert "sdk: static" in (dist / "README.md").read_text()


def test_every_built_file_is_under_the_10_mb_limit(dist):
    sizes = {p.name: p.stat().st_size for p in dist.rglob("*") if p.is_file()}
    assert max(sizes.values()) < build.MAX_FILE == 10 * 1024 * 1024
    assert sizes["pyodide.asm.wasm"] < 10_000_000 and sizes["python_stdlib.zip"] < 10_000_000


class FakeHub:
    def __init__(self):
        self.calls = []

    def create_repo(self, repo_id, **kw):
        self.calls.append(("create_repo", repo_id, kw))

    def upload_folder(self, **kw):
        self.calls.append(("upload_folder", kw["repo_id"], kw))


def test_deploy_creates_a_static_space_and_uploads_dist(dist):
    api = FakeHub()
    url = deploy.deploy("someone/my-space", api=api)
    assert url == "https://huggingface.co/spaces/someone/my-space"
    (c1, repo, kw1), (c2, _, kw2) = api.calls
    assert c1 == "create_repo" and repo == "someone/my-space"
    assert kw1 == {"repo_type": "space", "space_sdk": "static", "exist_ok": True}
    assert c2 == "upload_folder" and kw2["folder_path"] == str(dist) and kw2["repo_type"] == "space"
    # the published library (sdist, and the wheel with the starter) is no part of the Space; its py/ wheel is
    from huggingface_hub.utils import filter_repo_objects

    files = sorted(p.relative_to(dist).as_posix() for p in dist.rglob("*") if p.is_file())
    uploaded = set(filter_repo_objects(files, ignore_patterns=kw2["ignore_patterns"]))
    assert [f for f in files if f.endswith((".whl", ".tar.gz")) and f in uploaded and "/vendor/" not in f] == \
        [f"py/hfsignin-{build.library_version()}-py3-none-any.whl"]


@pytest.mark.parametrize("space", ["", "nope", "a/b/c", "../x", "a/<b>"])
def test_deploy_refuses_a_bad_space_id(space):
    with pytest.raises(SystemExit) as e:
        deploy.deploy(space, api=FakeHub())
    assert "SPACE=owner/name" in str(e.value)


def test_deploy_needs_a_login(dist, monkeypatch):
    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "get_token", lambda: None)
    with pytest.raises(SystemExit) as e:
        deploy.deploy("someone/my-space")
    assert "hf auth login" in str(e.value)


def test_real_provider_mode_serves_only_the_space_against_it():
    hub = DevHub(Options(space_port=0, provider="https://huggingface.co", client_id="abc-123")).start()
    try:
        assert hub.space_url.startswith("http://localhost:") and hub.hub_url == "https://huggingface.co"
        page = httpx.get(hub.space_url + "/").text
        assert '"OPENID_PROVIDER_URL": "https://huggingface.co"' in page and '"OAUTH_CLIENT_ID": "abc-123"' in page
        assert '"OAUTH_SCOPES": "openid profile email read-repos"' in page
    finally:
        hub.stop()


@pytest.mark.parametrize("options", [
    Options(provider="https://huggingface.co"),
    Options(client_id="x"),
    Options(provider="http://huggingface.co", client_id="x"),
    Options(provider="https://huggingface.co", client_id="x", space_url="http://127.0.0.1:9"),
])
def test_mode_options_that_do_not_fit_together_are_refused(options):
    with pytest.raises(SeedError):
        DevHub(options)
