"""A starter Space: a minimal static Hugging Face Space that signs in with hfsignin.

    python -m hfsignin.starter my-space                  # the pinned runtime, in the Space itself
    python -m hfsignin.starter my-space --runtime cdn    # opt-in: PyScript and Pyodide from jsDelivr, unchecked

It writes README.md (the Space card: sdk static, hf_oauth), index.html, pyscript.toml,
main.py (sign in, show the username, list the visitor's models), static/style.css,
static/boot.js (framing and blocked storage, the boot watchdog: the demo Space's own
file) and the library as one wheel, mapped by one line of pyscript.toml. The page carries
the demo Space's Content-Security-Policy, read from its index.html (see demo_policy()).

The runtime, by default, is self-hosted: PyScript and Pyodide copied into static/vendor/,
every file checked against the SHA-256 digests pinned in static_site/vendor.sha256, and the
demo's pyodide-loader.mjs. They come from ``--vendor DIR`` (a folder like a checkout's
static_site/vendor after ``make setup``), else from this checkout's static_site/vendor when
run from one, else from the npm registry (``npm pack``, so npm must be installed).

``--runtime cdn`` loads them from jsDelivr instead, with nothing checking what it serves (the
policy then allows that origin too): integrity hashes could cover PyScript's core.js and
pyodide.mjs, but not the wasm, the standard library and the lock file Pyodide fetches itself.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import shutil
import subprocess
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

from .. import __version__

PYSCRIPT = "0.7.31"  # @pyscript/core on npm, as pinned in package.json (tests/unit/test_starter_files.py checks)
PYODIDE = "314.0.7"  # pyodide on npm, as pinned in package.json
# jsDelivr serves npm packages as published: these are exactly the files `npm ci` installs here. (PyScript's
# calendar releases on pyscript.net are separate builds, so they could not be checked against the pins.)
CDN = "https://cdn.jsdelivr.net"
PYSCRIPT_CDN = f"{CDN}/npm/@pyscript/core@{PYSCRIPT}/dist/"
# PyScript's own scheme for Pyodide (its default interpreter URL, with the pinned version).
PYODIDE_CDN = f"{CDN}/pyodide/v{PYODIDE}/full/"
RUNTIMES = ("self-hosted", "cdn")  # the first is the default; cdn only when asked for
OLD_NAMES = {"release": "cdn"}  # hfsignin 0.2.0 called the CDN runtime "release"
# What the CDN runtime adds to the policy: PyScript's module and stylesheet, Pyodide's module, and the
# wasm, standard library and lock file Pyodide fetches.
CDN_DIRECTIVES = ("script-src", "style-src", "connect-src")

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
# Files of the demo Space the starter reuses. scripts/build.py puts copies in runtime/ inside the
# wheel; run from a checkout, they are read from static_site/ (their one source).
SHIPPED = HERE / "runtime"
CHECKOUT = HERE.parents[2]
MANIFEST = "vendor.sha256"
# The demo Space's Content-Security-Policy: scripts/build.py writes it into runtime/ from index.html's
# <meta>; from a checkout it is read from index.html itself. Either way there is one source.
POLICY = "content-security-policy.txt"
# Written when the Space has no Pyodide snapshot: pyodide-loader.mjs finds no valid one and boots normally.
NO_SNAPSHOT = {"snapshot": None}
# The compressed runtime a checkout's set-up makes (scripts/vendor.py): without it, the plain files.
RUNTIME = "runtime.json"
COMPRESSED = ("pyodide.asm.wasm", "pyodide.asm.mjs", "python_stdlib.zip")
WHEEL_DATE = (1980, 1, 1, 0, 0, 0)  # fixed, so the same library gives the same wheel


class StarterError(Exception):
    """Why the starter could not be written (a message for the person running it)."""


def shipped(name: str) -> Path:
    """One of the demo Space's files the starter reuses (see SHIPPED)."""
    for folder in (SHIPPED, CHECKOUT / "static_site"):
        if (folder / name).is_file():
            return folder / name
    raise StarterError(f"{name} is missing from this hfsignin: reinstall it, or run from a checkout")


def write_starter(dest: Path, runtime: str = "self-hosted", *, vendor: Path | None = None,
                  force: bool = False) -> list[Path]:
    """Write the starter Space into ``dest``; returns the files written."""
    runtime = OLD_NAMES.get(runtime, runtime)
    if runtime not in RUNTIMES:
        raise StarterError(f"the runtime is one of {', '.join(RUNTIMES)}, not {runtime!r}")
    dest = Path(dest)
    if dest.exists() and not dest.is_dir():
        raise StarterError(f"{dest} is not a folder")
    if dest.is_dir() and any(dest.iterdir()) and not force:
        raise StarterError(f"{dest} is not empty (--force writes the starter's files over it)")
    policy = policy_for(runtime)  # before anything is written: a missing policy writes nothing
    dest.mkdir(parents=True, exist_ok=True)
    if runtime == "cdn":
        values = {"core": PYSCRIPT_CDN + "core.js", "css": PYSCRIPT_CDN + "core.css",
                  "interpreter": PYODIDE_CDN + "pyodide.mjs", "runtime_note": CDN_NOTE}
    else:
        local = f"./static/vendor/pyscript-{PYSCRIPT}/"
        values = {"core": local + "core.js", "css": local + "core.css", "interpreter": "./static/pyodide-loader.mjs",
                  "runtime_note": SELF_HOSTED_NOTE}
    values.update(title=_title(dest), wheel=wheel_name(), version=__version__, pyscript=PYSCRIPT, pyodide=PYODIDE,
                  policy=_attribute(policy))
    # main.py is kept as main.py.in: its top-level await (PyScript allows it) is no valid Python module.
    written = [_render(name, dest / target, values) for name, target in (
        ("README.md", "README.md"), ("index.html", "index.html"), ("pyscript.toml", "pyscript.toml"),
        ("main.py.in", "main.py"), ("style.css", "static/style.css"), ("favicon.svg", "static/favicon.svg"))]
    written.append(pack_library(dest))
    written.append(_copy(shipped("boot.js"), dest / "static" / "boot.js"))
    if runtime == "self-hosted":
        written.append(_copy(shipped("pyodide-loader.mjs"), dest / "static" / "pyodide-loader.mjs"))
        written += copy_runtime(dest / "static", vendor)
    return written


# The generated README's paragraph on where PyScript and Pyodide come from.
SELF_HOSTED_NOTE = (
    "PyScript and Pyodide are served by this Space itself (`static/vendor/`): the starter checked every file\n"
    "against the SHA-256 digests hfsignin pins, and `static/pyodide-loader.mjs` restores Pyodide's memory\n"
    "snapshot only when its digest matches `static/snapshot.json`.")
CDN_NOTE = (
    f"PyScript and Pyodide come from jsDelivr (`{CDN}`): this Space was written with `--runtime cdn`.\n"
    "Nothing checks what jsDelivr serves, and whoever controls those files runs code in this page, next to the\n"
    "visitor's token. Integrity hashes (`integrity=`, an import map's `integrity`) could cover PyScript's\n"
    "`core.js` and Pyodide's `pyodide.mjs`, but not the wasm, the standard library and the lock file Pyodide\n"
    "fetches itself. The page's policy allows jsDelivr for scripts, styles and connections for this reason.\n"
    "Without `--runtime cdn` the starter copies the same pinned files into the Space, each one checked.")


# -- the page's Content-Security-Policy: the demo Space's ------------------------------------------

class _PolicyMeta(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "content-security-policy":
            self.found.append(values.get("content") or "")


def page_policy(page: str) -> str:
    """The Content-Security-Policy of a page's ``<meta http-equiv>`` tag; a page must have one, and one only."""
    parser = _PolicyMeta()
    parser.feed(page)
    parser.close()
    if len(parser.found) != 1 or not parser.found[0].strip():
        raise StarterError(f"a page's Content-Security-Policy is one <meta> tag with a policy; the demo's index.html "
                           f"has {len(parser.found)} such tags" + (" (an empty one)" if len(parser.found) == 1 else ""))
    return parser.found[0].strip()


def demo_policy() -> str:
    """The demo Space's policy: the copy scripts/build.py put in the wheel, else this checkout's index.html."""
    if (SHIPPED / POLICY).is_file():
        return (SHIPPED / POLICY).read_text(encoding="utf-8").strip()
    if (CHECKOUT / "index.html").is_file():
        return page_policy((CHECKOUT / "index.html").read_text(encoding="utf-8"))
    raise StarterError(f"{POLICY} is missing from this hfsignin: reinstall it, or run from a checkout")


def policy_for(runtime: str) -> str:
    """The starter page's policy: the demo's as it is, or (cdn) with jsDelivr allowed where the runtime needs it."""
    policy = demo_policy()
    return allow(policy, CDN, CDN_DIRECTIVES) if runtime == "cdn" else policy


def allow(policy: str, source: str, directives: tuple[str, ...]) -> str:
    """``policy`` with ``source`` added to each of ``directives`` (which it must have)."""
    out, seen = [], set()
    for directive in policy.split(";"):
        words = directive.split()
        if words and words[0].lower() in directives:
            seen.add(words[0].lower())
            if source not in words[1:]:
                words.append(source)
        if words:
            out.append(" ".join(words))
    missing = [d for d in directives if d not in seen]
    if missing:
        raise StarterError(f"the demo's Content-Security-Policy has no {', '.join(missing)} to add {source} to")
    return "; ".join(out)


def _attribute(value: str) -> str:
    """``value`` inside a double-quoted HTML attribute."""
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _title(dest: Path) -> str:
    name = dest.resolve().name
    return name if name and all(c.isalnum() or c in "-_. " for c in name) else "Sign in with HF"


def _render(template: str, target: Path, values: dict[str, str]) -> Path:
    text = (TEMPLATES / template).read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    if "{{" in text:
        raise StarterError(f"templates/{template}: unknown placeholder at {text[text.index('{{'):][:30]!r}")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8", newline="\n")
    return target


def _copy(src: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, target)
    return target


# -- the library, as the wheel pyscript.toml unpacks --------------------------------------------

def wheel_name() -> str:
    return f"hfsignin-{__version__}-py3-none-any.whl"


def pack_library(dest: Path) -> Path:
    """This hfsignin's modules as a wheel in ``dest``: what the browser imports (the starter
    itself stays out). A valid wheel, reproducible for the same sources."""
    package = HERE.parent
    files = sorted(p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                   and p.relative_to(package).parts[0] != "starter" and p.suffix in (".py", ".typed"))
    info = f"hfsignin-{__version__}.dist-info"
    meta = {
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: hfsignin\nVersion: {__version__}\n"
                            "Summary: Sign in with Hugging Face from Python in the browser\n"
                            "Requires-Python: >=3.11\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: hfsignin.starter\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    entries = [(f"hfsignin/{p.relative_to(package).as_posix()}", p.read_bytes()) for p in files]
    entries += [(name, text.encode()) for name, text in meta.items()]
    record = [f"{name},sha256={_b64_sha256(data)},{len(data)}" for name, data in entries]
    entries.append((f"{info}/RECORD", ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode()))
    target = dest / wheel_name()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as wheel:
        for name, data in entries:
            wheel.writestr(zipfile.ZipInfo(name, WHEEL_DATE), data, zipfile.ZIP_DEFLATED)
    return target


def _b64_sha256(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


# -- the self-hosted runtime ----------------------------------------------------------------------

def pinned_digests() -> dict[str, str]:
    """PyScript's and Pyodide's files (relative to vendor/) and their SHA-256, from vendor.sha256."""
    wanted = (f"pyscript-{PYSCRIPT}/", f"pyodide-{PYODIDE}/")
    digests = {}
    for line in shipped(MANIFEST).read_text().splitlines():
        if line.strip():
            digest, rel = line.split(None, 1)
            if rel.startswith(wanted):
                digests[rel.strip()] = digest
    return digests


def copy_runtime(static: Path, vendor: Path | None = None) -> list[Path]:
    """PyScript and Pyodide into ``static``/vendor/, each file checked against its pinned digest; and,
    when the source has them and they verify, the compressed runtime (runtime.json and the files it
    names) and the Pyodide snapshot made with it (else a snapshot.json saying none)."""
    if vendor is None and (CHECKOUT / "static_site" / "vendor" / f"pyodide-{PYODIDE}").is_dir():
        vendor = CHECKOUT / "static_site" / "vendor"
    if vendor is not None:
        if not Path(vendor).is_dir():
            raise StarterError(f"--vendor {vendor}: no such folder")
        written = _verified_copy(static, lambda rel: _read(Path(vendor) / rel), f"{vendor}")
        compressed, runtime = _compressed(static, Path(vendor))
        return written + compressed + _snapshot(static, Path(vendor), runtime)
    with tempfile.TemporaryDirectory() as tmp:
        read = _from_npm(Path(tmp))
        written = _verified_copy(static, read, "the npm registry")
    meta = static / "snapshot.json"
    meta.write_text(json.dumps(NO_SNAPSHOT) + "\n")
    return [*written, meta]


def _read(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


def _verified_copy(static: Path, read: Callable[[str], bytes | None], where: str) -> list[Path]:
    """Every pinned file read and checked first, then written: a mismatch writes nothing."""
    checked = {}
    for rel, digest in pinned_digests().items():
        data = read(rel)
        if data is None:
            raise StarterError(f"{where} has no {rel}")
        if hashlib.sha256(data).hexdigest() != digest:
            raise StarterError(f"{where}: {rel} does not match its pinned SHA-256; nothing of that runtime was used")
        checked[static / "vendor" / rel] = data
    for target, data in checked.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return list(checked)


def _compressed(static: Path, vendor: Path) -> tuple[list[Path], dict | None]:
    """The checkout's compressed runtime (static_site/runtime.json beside vendor/): the gzipped Pyodide
    files and the trimmed standard library, each checked packed and unpacked against runtime.json's
    digests (and Pyodide's files against their pins). Returns the files written and runtime.json, or
    nothing and None when anything does not verify: the page then boots from the plain files."""
    folder = f"pyodide-{PYODIDE}/"
    pins = pinned_digests()
    checked = {}
    try:
        meta = json.loads((vendor.parent / RUNTIME).read_text())
        if (meta["pyodide"] != PYODIDE or sorted(meta["files"]) != sorted(COMPRESSED) or
                meta["full_stdlib"]["url"] != f"vendor/{folder}python_stdlib.zip" or
                meta["full_stdlib"]["sha256"] != pins[f"{folder}python_stdlib.zip"]):
            return [], None
        for name, entry in meta["files"].items():
            rel = entry["url"].removeprefix("vendor/")
            if not (rel.startswith(folder) and rel.endswith(".gz") and "/" not in rel.removeprefix(folder)):
                return [], None
            packed = (vendor / rel).read_bytes()
            unpacked = hashlib.sha256(gzip.decompress(packed)).hexdigest()
            pinned = unpacked if name == "python_stdlib.zip" else pins[folder + name]  # the trimmed library has no pin
            if hashlib.sha256(packed).hexdigest() != entry["gz_sha256"] or not unpacked == entry["sha256"] == pinned:
                return [], None
            checked[static / "vendor" / rel] = packed
    except (OSError, ValueError, KeyError, TypeError, AttributeError, EOFError, zlib.error):
        return [], None
    for target, data in checked.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    (static / RUNTIME).write_text(json.dumps(meta, indent=2) + "\n")
    return [*checked, static / RUNTIME], meta


def _snapshot(static: Path, vendor: Path, runtime: dict | None) -> list[Path]:
    """The checkout's Pyodide snapshot (static_site/snapshot.json beside vendor/), if it verifies and was
    made from the trimmed standard library of ``runtime`` (the only one the page restores it with)."""
    target = static / "snapshot.json"
    try:
        meta = json.loads((vendor.parent / "snapshot.json").read_text())
        name = meta["url"].removeprefix("vendor/snapshot/")
        data = (vendor / "snapshot" / name).read_bytes()
        usable = (meta["pyodide"] == PYODIDE and "/" not in name and runtime is not None and
                  meta["stdlib_sha256"] == runtime["files"]["python_stdlib.zip"]["sha256"] and
                  hashlib.sha256(data).hexdigest() == meta["gz_sha256"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        usable = False
    if not usable:
        target.write_text(json.dumps(NO_SNAPSHOT) + "\n")
        return [target]
    packed = static / "vendor" / "snapshot" / name
    packed.parent.mkdir(parents=True, exist_ok=True)
    packed.write_bytes(data)
    target.write_text(json.dumps(meta, indent=2) + "\n")
    return [target, packed]


def _from_npm(tmp: Path) -> Callable[[str], bytes | None]:
    """The pinned packages as npm publishes them (``npm pack``): a reader of their files by vendor/ path."""
    npm = shutil.which("npm")
    if npm is None:
        raise StarterError("the self-hosted runtime comes from npm here, and npm is not installed: install Node.js "
                           "and npm, or pass --vendor DIR (a checkout's static_site/vendor after `make setup`); "
                           "--runtime cdn loads it from jsDelivr instead, unchecked (see the README)")
    run = subprocess.run([npm, "pack", "--silent", "--pack-destination", str(tmp),
                          f"@pyscript/core@{PYSCRIPT}", f"pyodide@{PYODIDE}"], capture_output=True, text=True, cwd=tmp)
    tarballs = {"pyscript": tmp / f"pyscript-core-{PYSCRIPT}.tgz", "pyodide": tmp / f"pyodide-{PYODIDE}.tgz"}
    if run.returncode != 0 or not all(t.is_file() for t in tarballs.values()):
        raise StarterError(f"npm pack failed: {run.stderr.strip()[-500:]}")
    members: dict[str, bytes] = {}
    for kind, tarball in tarballs.items():
        with tarfile.open(tarball) as tar:  # read in memory, never extracted to disk
            for member in tar.getmembers():
                if member.isfile():
                    members[f"{kind}/{member.name}"] = tar.extractfile(member).read()

    def read(rel: str) -> bytes | None:
        folder, name = rel.split("/", 1)
        if folder == f"pyscript-{PYSCRIPT}":
            return members.get(f"pyscript/package/dist/{name}")
        return members.get(f"pyodide/package/{name}")

    return read
