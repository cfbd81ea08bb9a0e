"""The published library: dist/hfsignin-<version>-py3-none-any.whl and its sdist, as make build makes
them (scripts/build.py: packaging/hfsignin/pyproject.toml, build, twine check). hfsignin alone, one
version, and a wheel that installs in a fresh CPython venv and signs in there (local_environment).
And the Space's copy of that wheel, without the starter (dist/py/)."""

import base64
import email
import hashlib
import re
import subprocess
import sys
import sysconfig
import tarfile
import textwrap
import tomllib
import venv
import zipfile
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from harness import HubBrowser
from hfsignin import __version__

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import build  # noqa: E402

WHEEL = f"hfsignin-{__version__}-py3-none-any.whl"
RECORD = f"hfsignin-{__version__}.dist-info/RECORD"


def demo_policy() -> str:
    """index.html's Content-Security-Policy, read here without the starter's code."""
    [policy] = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', (ROOT / "index.html").read_text())
    return policy


def meta_policy(html: str) -> str:
    [policy] = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', html)
    return policy


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(wheel, sdist), built and checked with twine like make build does (which raises otherwise)."""
    return build.build_library(tmp_path_factory.mktemp("dist"))


def test_the_wheel_holds_hfsignin_only(built):
    wheel, _ = built
    assert wheel.name == WHEEL
    names = zipfile.ZipFile(wheel).namelist()
    assert all(n.startswith(("hfsignin/", f"hfsignin-{__version__}.dist-info/")) for n in names)
    assert not [n for n in names if "devhub" in n or "space_app" in n or "__pycache__" in n]
    modules = {f"hfsignin/{p.name}" for p in (ROOT / "py" / "hfsignin").glob("*.py")}
    assert modules <= set(names)
    assert {"hfsignin/py.typed", "hfsignin/starter/__main__.py", "hfsignin/starter/templates/main.py.in",
            "hfsignin/starter/runtime/boot.js", "hfsignin/starter/runtime/pyodide-loader.mjs",
            "hfsignin/starter/runtime/vendor.sha256"} <= set(names)
    # the starter's copies are the demo's files, taken from their one source at build time
    for name in ("boot.js", "pyodide-loader.mjs", "vendor.sha256"):
        assert zipfile.ZipFile(wheel).read(f"hfsignin/starter/runtime/{name}") == (ROOT / "static_site" / name).read_bytes()
    # and so is the policy of the starter's pages: index.html's, as it is when the wheel is built
    policy = zipfile.ZipFile(wheel).read("hfsignin/starter/runtime/content-security-policy.txt").decode()
    assert policy == demo_policy() + "\n"


def test_the_space_loads_the_published_wheel_without_the_starter(built, tmp_path):
    published, _ = built
    space = build.browser_wheel(published, tmp_path / "py")
    assert space == tmp_path / "py" / WHEEL  # the same name: the same library, one folder down in the Space
    with zipfile.ZipFile(published) as full, zipfile.ZipFile(space) as lean:
        names, kept = full.namelist(), lean.namelist()
        assert {"hfsignin/starter/__main__.py", "hfsignin/starter/templates/index.html"} <= set(names)  # still published
        assert not [n for n in kept if n.startswith("hfsignin/starter")]
        assert kept == [n for n in names if not n.startswith("hfsignin/starter/")]  # the rest, in the same order
        assert all(lean.read(n) == full.read(n) for n in kept if n != RECORD)
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in lean.infolist())  # SOURCE_DATE_EPOCH's dates kept
        record = [line.split(",") for line in lean.read(RECORD).decode().splitlines()]
        assert [r[0] for r in record] == kept  # a valid RECORD: every file, with its digest and size
        for name, digest, size in record[:-1]:
            data = lean.read(name)
            assert digest == "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            assert int(size) == len(data)
        assert record[-1] == [RECORD, "", ""]
    assert space.stat().st_size < published.stat().st_size
    again = build.browser_wheel(published, tmp_path / "again")
    assert again.read_bytes() == space.read_bytes()  # reproducible: the same published wheel, the same bytes


def test_the_metadata_and_the_extra(built):
    wheel, _ = built
    meta = email.message_from_bytes(zipfile.ZipFile(wheel).read(f"hfsignin-{__version__}.dist-info/METADATA"))
    assert meta["Name"] == "hfsignin" and meta["Version"] == __version__
    assert meta["License-Expression"] == "Apache-2.0" and meta["Requires-Python"] == ">=3.11"
    assert sorted(meta.get_all("Requires-Dist")) == ['cryptography>=42; extra == "cpython"',
                                                     'httpx>=0.28; extra == "cpython"']
    assert "python -m hfsignin.starter" in meta.get_payload()  # the index page: packaging/hfsignin/README.md


def test_the_sdist_holds_the_library_and_its_config_only(built):
    _, sdist = built
    assert sdist.name == f"hfsignin-{__version__}.tar.gz"
    names = tarfile.open(sdist).getnames()
    top = f"hfsignin-{__version__}/"
    assert all(n.startswith(top) or n == top.rstrip("/") for n in names)
    rest = {n.removeprefix(top) for n in names} - {top.rstrip("/")}
    assert {"pyproject.toml", "README.md", "PKG-INFO", "src/hfsignin/client.py"} <= rest
    assert all(n.split("/")[0] in ("pyproject.toml", "README.md", "PKG-INFO", "setup.cfg", "src") for n in rest)
    assert all(n.startswith(("src/hfsignin", "src/hfsignin.egg-info")) for n in rest if n.startswith("src/"))


def test_the_version_is_written_in_one_place():
    for pyproject in (ROOT / "pyproject.toml", ROOT / "packaging" / "hfsignin" / "pyproject.toml"):
        config = tomllib.loads(pyproject.read_text())
        assert "version" not in config["project"] and config["project"]["dynamic"] == ["version"]
        assert config["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "hfsignin.__version__"}
    assert build.library_version() == __version__
    assert f"## [{__version__}]" in (ROOT / "CHANGELOG.md").read_text()
    assert f"hfsignin-{__version__}-py3-none-any.whl" in (ROOT / "packaging" / "hfsignin" / "README.md").read_text()


def test_the_workspace_and_the_library_agree_on_the_cpython_extra():
    workspace = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    library = tomllib.loads((ROOT / "packaging" / "hfsignin" / "pyproject.toml").read_text())["project"]
    assert workspace["optional-dependencies"]["cpython"] == library["optional-dependencies"]["cpython"]
    assert library["name"] == "hfsignin" and workspace["name"] != "hfsignin"
    assert library["dependencies"] == []


def test_the_wheel_installs_in_a_fresh_venv_and_signs_in_there(built, hub, tmp_path):
    wheel, _ = built
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    pip = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
                          "--disable-pip-version-check", "--no-index", "--no-deps", str(wheel)],
                         capture_output=True, text=True)
    assert pip.returncode == 0, pip.stderr
    # The cpython extra's packages (httpx, cryptography), already downloaded: this venv sees the dev
    # venv's site-packages as a plain path, after its own (so not the checkout's hfsignin, whose
    # editable .pth file is only read for a site directory).
    site = Path(subprocess.check_output([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                                        text=True).strip())
    (site / "zz_dev_deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    # The whole sign-in in that venv: discovery, token request and userinfo over httpx, the ID token's
    # RS256 signature checked with cryptography. This test walks the hub's pages in between (as a browser).
    script = textwrap.dedent(f"""
        import asyncio, importlib.util, sys
        import hfsignin
        from hfsignin import HFSignIn
        from hfsignin.environment import local_environment
        assert hfsignin.__file__.startswith(sys.prefix), hfsignin.__file__
        assert hfsignin.__version__ == {__version__!r}
        assert importlib.util.find_spec("devhub") is None and importlib.util.find_spec("space_app") is None
        env = local_environment("{hub.space_url}/", variables={{
            "OAUTH_CLIENT_ID": "{hub.client_id}", "OAUTH_SCOPES": "openid profile",
            "OPENID_PROVIDER_URL": "{hub.hub_url}"}})
        auth = HFSignIn(env=env)
        print(asyncio.run(auth.login_url()), flush=True)
        env.navigator.url = sys.stdin.readline().strip()  # the provider's redirect back
        session = asyncio.run(auth.handle_redirect())
        print(session.user.preferred_username, session.claims["sub"] == session.user.sub, flush=True)
    """)
    run = subprocess.Popen([str(python), "-I", "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    authorize = run.stdout.readline().strip()
    assert authorize.startswith(hub.hub_url + "/oauth/authorize?") and "code_challenge_method=S256" in authorize, \
        run.stderr.read() if not authorize else authorize
    agent = HubBrowser(hub.hub_url)
    back = agent.authorize(dict(parse_qsl(urlsplit(authorize).query)), user="bob")
    agent.close()
    out, err = run.communicate(back.headers["location"] + "\n", timeout=60)
    assert run.returncode == 0, err
    assert out.strip() == "bob True"
    # and its starter works from the installed package (its runtime copies came along): self-hosted by
    # default, the runtime from a folder here (not npm: offline), under the demo's policy from the wheel
    starter = subprocess.run([str(python), "-I", "-m", "hfsignin.starter", str(tmp_path / "space"),
                              "--vendor", str(ROOT / "static_site" / "vendor")], capture_output=True, text=True, cwd=tmp_path)
    assert starter.returncode == 0, starter.stderr
    assert "wrote a self-hosted starter Space" in starter.stdout
    assert (tmp_path / "space" / "static" / "boot.js").read_bytes() == (ROOT / "static_site" / "boot.js").read_bytes()
    assert (tmp_path / "space" / WHEEL).is_file()
    assert meta_policy((tmp_path / "space" / "index.html").read_text()) == demo_policy()


def test_the_built_space_maps_the_library_with_one_line():
    checkout = (ROOT / "pyscript.toml").read_text()
    files = tomllib.loads(build.dist_config(checkout, WHEEL))["files"]
    assert files[f"./{WHEEL}"] == "./*"
    assert not [src for src in files if "hfsignin/" in src]
    before = tomllib.loads(checkout)["files"]
    assert {s: d for s, d in before.items() if "hfsignin/" not in s} == {s: d for s, d in files.items() if s != f"./{WHEEL}"}
