"""Assemble dist/: exactly what the Space serves, and nothing of the dev tooling.

    python scripts/build.py [--out DIR]      (DIR instead of dist/: the tests build side by side)

First the library, hfsignin alone, as dist/hfsignin-<version>-py3-none-any.whl and
dist/hfsignin-<version>.tar.gz: its sources (py/hfsignin, plus the starter's copies of
static_site/boot.js, pyodide-loader.mjs and vendor.sha256, and of index.html's
Content-Security-Policy) are laid out in a staging folder with packaging/hfsignin/pyproject.toml
and built there with `build` (no build isolation: offline once set up), then checked with
`twine check`. Nothing is published.

Then the Space: index.html, pyscript.toml with the library as one wheel (instead of the
checkout's one line per module), the rest of the browser Python that pyscript.toml maps (the
Space app), static_site/ (with the runtime checked against static_site/vendor.sha256 first, and
runtime.json, snapshot.json and the generated files they name: the gzip companions, the trimmed
standard library, the snapshot) and a README.md holding the Space card. The wheel the Space
loads, dist/py/hfsignin-<version>-py3-none-any.whl, is the published one without
hfsignin/starter/ (its templates and runtime copies are for `python -m hfsignin.starter`, never
for a browser). Every file must stay under Hugging Face's 10 MB limit for files outside LFS.
(make deploy leaves the published wheel and the sdist out of the Space.)
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
LIBRARY = ROOT / "py" / "hfsignin"
PACKAGING = ROOT / "packaging" / "hfsignin"  # the library's pyproject.toml and its README for the index
# What the starter (hfsignin.starter) reuses of the demo Space, copied into the wheel from their one source.
STARTER_RUNTIME = ("static_site/boot.js", "static_site/pyodide-loader.mjs", "static_site/vendor.sha256")
# The demo page whose Content-Security-Policy the starter's pages carry (written to starter/runtime/ as POLICY).
STARTER_POLICY_PAGE = "index.html"
# The browser's copy of the library: the published wheel without this package (the starter), in the Space's py/.
NOT_FOR_BROWSERS = "hfsignin/starter/"
SPACE_WHEEL_DIR = "py"
MAX_FILE = 10 * 1024 * 1024  # Hugging Face Hub: larger files need LFS/Xet
# A wheel's file dates (setuptools honours it): the same sources give the same wheel, so browsers keep it cached.
SOURCE_DATE_EPOCH = "315532800"  # 1980-01-01, the earliest date a zip file holds
LIBRARY_LINE = re.compile(r'^\s*"\{FROM\}/hfsignin/[^"]*"\s*=')

sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(1, str(ROOT / "py"))
import vendor  # noqa: E402 - the sibling script, for the manifest check
from hfsignin.starter import POLICY, page_policy  # noqa: E402 - how the starter reads a page's policy


class BuildError(Exception):
    pass


def browser_sources(config: str) -> list[str]:
    """The files a pyscript.toml maps into the browser, relative to the site, outside static_site/
    (copied whole)."""
    files = tomllib.loads(config)["files"]
    base = files.get("{FROM}", "")
    out = []
    for src in files:
        if src in ("{FROM}", "{TO}"):
            continue
        rel = src.replace("{FROM}", base).removeprefix("./")
        if not rel.startswith("static_site/"):
            out.append(rel)
    return out


def library_version() -> str:
    """hfsignin.__version__, read without importing it: the one place the version is written."""
    tree = ast.parse((LIBRARY / "__init__.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["__version__"]:
            return ast.literal_eval(node.value)
    raise BuildError("py/hfsignin/__init__.py has no __version__")


def starter_runtime(folder: Path) -> list[Path]:
    """What the starter reuses of the demo Space, into ``folder`` (its runtime/ in the wheel): copies of
    STARTER_RUNTIME, and index.html's Content-Security-Policy read the way the starter reads it."""
    folder.mkdir(parents=True)
    written = [Path(shutil.copy2(ROOT / rel, folder / Path(rel).name)) for rel in STARTER_RUNTIME]
    policy = page_policy((ROOT / STARTER_POLICY_PAGE).read_text(encoding="utf-8"))
    (folder / POLICY).write_text(policy + "\n", encoding="utf-8")
    return [*written, folder / POLICY]


def build_library(out: Path) -> tuple[Path, Path]:
    """The hfsignin wheel and sdist into ``out``, checked with twine; returns (wheel, sdist)."""
    version = library_version()
    with tempfile.TemporaryDirectory() as tmp:
        stage = Path(tmp) / f"hfsignin-{version}"
        stage.mkdir()
        for name in ("pyproject.toml", "README.md"):
            shutil.copy2(PACKAGING / name, stage / name)
        package = stage / "src" / "hfsignin"
        shutil.copytree(LIBRARY, package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*", "runtime"))
        starter_runtime(package / "starter" / "runtime")
        env = {**os.environ, "SOURCE_DATE_EPOCH": os.environ.get("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)}
        # The sdist first, then the wheel from the sdist: proof the sdist holds everything.
        _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", tmp + "/out", str(stage)], "build", env)
        built = Path(tmp) / "out"
        wheel = built / f"hfsignin-{version}-py3-none-any.whl"
        sdist = built / f"hfsignin-{version}.tar.gz"
        if sorted(built.iterdir()) != sorted([wheel, sdist]):
            raise BuildError(f"build made {sorted(p.name for p in built.iterdir())}, not {wheel.name} and {sdist.name}")
        _run([sys.executable, "-m", "twine", "check", "--strict", str(wheel), str(sdist)], "twine check", env)
        out.mkdir(parents=True, exist_ok=True)
        return Path(shutil.copy2(wheel, out)), Path(shutil.copy2(sdist, out))


def browser_wheel(published: Path, out: Path) -> Path:
    """The published wheel without NOT_FOR_BROWSERS, as a wheel of the same name in ``out``: every other
    entry as it was (bytes, date, mode, order) and the RECORD without the lines of what was left out, so
    the same published wheel gives the same bytes."""
    with zipfile.ZipFile(published) as source:
        infos = source.infolist()
        kept = [(info, source.read(info)) for info in infos if not info.filename.startswith(NOT_FOR_BROWSERS)]
    records = [at for at, (info, _) in enumerate(kept) if info.filename.endswith(".dist-info/RECORD")]
    if len(kept) == len(infos) or len(records) != 1:
        raise BuildError(f"{published.name}: expected {NOT_FOR_BROWSERS} to leave out and one RECORD")
    info, record = kept[records[0]]
    lines = record.decode().splitlines(keepends=True)
    kept[records[0]] = (info, "".join(line for line in lines if not line.startswith(NOT_FOR_BROWSERS)).encode())
    out.mkdir(parents=True, exist_ok=True)
    target = out / published.name
    with zipfile.ZipFile(target, "w") as wheel:
        for info, data in kept:
            entry = zipfile.ZipInfo(info.filename, info.date_time)
            entry.external_attr = info.external_attr
            wheel.writestr(entry, data, zipfile.ZIP_DEFLATED)
    return target


def _run(command: list[str], what: str, env: dict) -> None:
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
    if done.returncode != 0:
        raise BuildError(f"{what} failed:\n{(done.stdout + done.stderr).strip()[-3000:]}")


def dist_config(config: str, wheel: str) -> str:
    """The built Space's pyscript.toml: the library as one line, its wheel, instead of one line per module."""
    lines = [line for line in config.splitlines() if not LIBRARY_LINE.match(line)]
    at = lines.index("[files]") + 1
    lines[at:at] = ["# hfsignin, the library without its starter, unpacked from its wheel (scripts/build.py: make build)",
                    f'"./{wheel}" = "./*"']
    out = "\n".join(lines) + "\n"
    files = tomllib.loads(out)["files"]
    if any("hfsignin/" in src for src in files) or f"./{wheel}" not in files:
        raise BuildError("pyscript.toml: could not replace the hfsignin modules by the wheel")
    return out


def described(static: Path) -> list[str]:
    """The files static/runtime.json and static/snapshot.json name, as URLs relative to static/."""
    urls = []
    if (static / "runtime.json").is_file():
        runtime = json.loads((static / "runtime.json").read_text())
        urls += [entry["url"] for entry in runtime["files"].values()] + [runtime["full_stdlib"]["url"]]
    if (static / "snapshot.json").is_file():
        urls += [url for url in [json.loads((static / "snapshot.json").read_text()).get("url")] if url]
    return urls


def card() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        raise BuildError("README.md has no Space card (YAML front matter)")
    end = text.index("\n---", 4) + len("\n---\n")
    return text[:end] + (
        "\n# Sign in with Hugging Face, in Python, in the browser\n\n"
        "A static Space whose logic is Python running in your browser (PyScript on Pyodide). "
        "It signs you in with OAuth 2.0 + PKCE and OpenID Connect, verifies the ID token, "
        "and shows your profile and repositories. Built with `make build`; the source, tests and "
        "devhub (a local stand-in for huggingface.co) live in the project repository.\n"
    )


def build(out: Path = DIST) -> list[Path]:
    """The Space as it is deployed, into ``out`` (dist/ by default)."""
    vendor.assemble(write_manifest=False)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir()
    published, _ = build_library(out)
    wheel = browser_wheel(published, out / SPACE_WHEEL_DIR).relative_to(out).as_posix()
    for page in ("index.html", "callback.html"):
        shutil.copy2(ROOT / page, out / page)
    config = dist_config((ROOT / "pyscript.toml").read_text(), wheel)
    (out / "pyscript.toml").write_text(config)
    for rel in browser_sources(config):
        if rel == wheel:
            continue
        dest = out / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, dest)
    shutil.copytree(ROOT / "static_site", out / "static_site",
                    ignore=shutil.ignore_patterns("vendor.sha256", "__pycache__", ".*"))
    missing = [url for url in described(out / "static_site") if not (out / "static_site" / url).is_file()]
    if missing:
        raise BuildError(f"static_site/runtime.json or snapshot.json names files the build lacks: {', '.join(missing)}")
    (out / "README.md").write_text(card(), encoding="utf-8")
    files = sorted(p for p in out.rglob("*") if p.is_file())
    too_big = [f"{p.relative_to(out)} ({p.stat().st_size / 1e6:.1f} MB)" for p in files if p.stat().st_size >= MAX_FILE]
    if too_big:
        raise BuildError("files at or over Hugging Face's 10 MB limit: " + ", ".join(too_big))
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/build.py", description="Assemble the deployable Space in dist/.")
    parser.add_argument("--out", type=Path, default=DIST, help="the folder to build into (emptied first; default dist/)")
    out = parser.parse_args(argv).out.resolve()
    if out != DIST and out.exists() and any(out.iterdir()) and not (out / "pyscript.toml").is_file():
        print(f"build: error: {out} is not empty and holds no earlier build: not emptying it", file=sys.stderr)
        return 1
    try:
        files = build(out)
    except (BuildError, vendor.VendorError) as exc:
        print(f"build: error: {exc}", file=sys.stderr)
        return 1
    largest = max(files, key=lambda p: p.stat().st_size)
    total = sum(p.stat().st_size for p in files)
    wheel = f"hfsignin-{library_version()}-py3-none-any.whl"
    print(f"build: {out} holds {len(files)} files, {total / 1e6:.1f} MB; largest "
          f"{largest.relative_to(out)} at {largest.stat().st_size / 1e6:.2f} MB (limit 10.49 MB)")
    print(f"build: the library: {wheel} and .tar.gz (twine check passed; not published); "
          f"the Space loads {SPACE_WHEEL_DIR}/{wheel}, the same without the starter")
    return 0


if __name__ == "__main__":
    sys.exit(main())
