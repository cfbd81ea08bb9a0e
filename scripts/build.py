"""Assemble dist/: exactly what the Space serves, and nothing of the dev tooling.

    python scripts/build.py

index.html, pyscript.toml, the browser Python that pyscript.toml maps, static_site/
(with the runtime checked against static_site/vendor.sha256 first) and a README.md
holding the Space card. Every file must stay under Hugging Face's 10 MB limit for
files outside LFS.
"""

from __future__ import annotations

import shutil
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
MAX_FILE = 10 * 1024 * 1024  # Hugging Face Hub: larger files need LFS/Xet

sys.path.insert(0, str(ROOT / "scripts"))
import vendor  # noqa: E402 - the sibling script, for the manifest check


class BuildError(Exception):
    pass


def browser_sources() -> list[Path]:
    """The files pyscript.toml maps into the browser, outside static_site/ (copied whole)."""
    files = tomllib.loads((ROOT / "pyscript.toml").read_text())["files"]
    base = files.get("{FROM}", "")
    out = []
    for src in files:
        if src in ("{FROM}", "{TO}"):
            continue
        rel = src.replace("{FROM}", base).removeprefix("./")
        if not rel.startswith("static_site/"):
            out.append(ROOT / rel)
    return out


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


def build() -> list[Path]:
    vendor.assemble(write_manifest=False)
    if DIST.exists():
        shutil.rmtree(DIST)
    DIST.mkdir()
    for name in ("index.html", "pyscript.toml"):
        shutil.copy2(ROOT / name, DIST / name)
    for src in browser_sources():
        dest = DIST / src.relative_to(ROOT)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest)
    shutil.copytree(ROOT / "static_site", DIST / "static_site",
                    ignore=shutil.ignore_patterns("vendor.sha256", "__pycache__", ".*"))
    (DIST / "README.md").write_text(card(), encoding="utf-8")
    files = sorted(p for p in DIST.rglob("*") if p.is_file())
    too_big = [f"{p.relative_to(DIST)} ({p.stat().st_size / 1e6:.1f} MB)" for p in files if p.stat().st_size >= MAX_FILE]
    if too_big:
        raise BuildError("files at or over Hugging Face's 10 MB limit: " + ", ".join(too_big))
    return files


def main() -> int:
    try:
        files = build()
    except (BuildError, vendor.VendorError) as exc:
        print(f"build: error: {exc}", file=sys.stderr)
        return 1
    largest = max(files, key=lambda p: p.stat().st_size)
    total = sum(p.stat().st_size for p in files)
    print(f"build: dist/ holds {len(files)} files, {total / 1e6:.1f} MB; largest "
          f"{largest.relative_to(DIST)} at {largest.stat().st_size / 1e6:.2f} MB (limit 10.49 MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
