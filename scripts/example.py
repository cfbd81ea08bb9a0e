"""Assemble examples/plain-pyodide/ into a folder any static host serves as a Space: the example's
own files, plus what is generated and never committed.

    python scripts/example.py [--out DIR] [--wheel WHEEL]

DIR (default dist-example/, emptied first) gets:
  - examples/plain-pyodide/* as they are (index.html, main.mjs, main.py, callback.html, style.css, README.md);
  - callback.js, the Space's popup callback script (static_site/callback.js: one source for both pages);
  - vendor/pyodide-<version>/, the vendored Pyodide (`make setup`), every file checked against
    static_site/vendor.sha256 on the way;
  - the hfsignin wheel the Space loads (dist/py/hfsignin-*.whl of `make build`: the library without its
    starter), built here the way `make build` builds it unless --wheel names one, and wheels.json, the
    list of wheels main.mjs unpacks.

Then serve it: `python -m devhub --site dist-example` (the page is at http://127.0.0.1:8000/).
tests/e2e/test_plain_pyodide.py signs in through it in Chromium.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "plain-pyodide"
OUT = ROOT / "dist-example"
CALLBACK_SCRIPT = ROOT / "static_site" / "callback.js"
LOADER = "main.mjs"
RUNTIME = "vendor"  # vendor/pyodide-<version>/ beside the page
WHEELS = "wheels.json"
IMPORTED = re.compile(r'from "\./(vendor/pyodide-[^/"]+/pyodide\.mjs)"')

sys.path.insert(0, str(ROOT / "scripts"))
import build  # noqa: E402 - the sibling script: the wheel exactly as make build makes it
import vendor  # noqa: E402 - the runtime's manifest and digests


class ExampleError(Exception):
    pass


def copy_runtime(out: Path) -> list[Path]:
    """The vendored Pyodide into ``out``/vendor/, each file checked against its committed digest."""
    manifest = {rel: digest for rel, digest in vendor.read_manifest().items() if rel.startswith("pyodide-")}
    if not manifest:
        raise ExampleError("static_site/vendor.sha256 names no Pyodide files")
    copied = []
    for rel, digest in sorted(manifest.items()):
        src = vendor.VENDOR / rel
        if not src.is_file():
            raise ExampleError(f"missing static_site/vendor/{rel}: run `make setup`")
        if vendor.sha256(src) != digest:
            raise ExampleError(f"static_site/vendor/{rel} does not match static_site/vendor.sha256: run `make setup`")
        dest = out / RUNTIME / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        copied.append(Path(shutil.copy2(src, dest)))
    return copied


def space_wheel(out: Path) -> Path:
    """The hfsignin wheel the Space loads, built as `make build` builds it, into ``out``."""
    with tempfile.TemporaryDirectory() as tmp:
        published, _ = build.build_library(Path(tmp))
        return Path(shutil.copy2(build.browser_wheel(published, Path(tmp) / build.SPACE_WHEEL_DIR), out))


def assemble(out: Path = OUT, wheel: Path | None = None) -> list[Path]:
    """The example, servable as it is, into ``out`` (emptied first); returns its files."""
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(EXAMPLE, out, ignore=shutil.ignore_patterns("__pycache__", ".*"))
    shutil.copy2(CALLBACK_SCRIPT, out / CALLBACK_SCRIPT.name)
    copy_runtime(out)
    if wheel is None:
        wheel = space_wheel(out)
    else:
        if not wheel.is_file():
            raise ExampleError(f"no wheel at {wheel}")
        wheel = Path(shutil.copy2(wheel, out))
    (out / WHEELS).write_text(json.dumps([wheel.name]) + "\n", encoding="utf-8")
    imported = IMPORTED.findall((out / LOADER).read_text(encoding="utf-8"))
    if len(imported) != 1 or not (out / imported[0]).is_file():
        raise ExampleError(f"{LOADER} must import the vendored pyodide.mjs ({', '.join(imported) or 'no import found'}): "
                           f"the vendored one is {sorted(p.name for p in (out / RUNTIME).iterdir())}")
    return sorted(p for p in out.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/example.py", description="Assemble examples/plain-pyodide/ into a servable folder.")
    parser.add_argument("--out", type=Path, default=OUT, help="the folder to assemble into (emptied first; default dist-example/)")
    parser.add_argument("--wheel", type=Path, help="an hfsignin wheel to use (default: build it as make build does)")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    if out != OUT and out.exists() and any(out.iterdir()) and not (out / WHEELS).is_file():
        print(f"example: error: {out} is not empty and holds no earlier example: not emptying it", file=sys.stderr)
        return 1
    try:
        files = assemble(out, args.wheel.resolve() if args.wheel else None)
    except (ExampleError, build.BuildError) as exc:
        print(f"example: error: {exc}", file=sys.stderr)
        return 1
    print(f"example: {out} holds {len(files)} files, {sum(p.stat().st_size for p in files) / 1e6:.1f} MB; "
          f"serve it with: python -m devhub --site {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
