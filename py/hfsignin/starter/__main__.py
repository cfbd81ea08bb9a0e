"""python -m hfsignin.starter DIR [--runtime release|self-hosted] [--vendor VENDOR] [--force]"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import PYODIDE, PYSCRIPT, RUNTIMES, StarterError, write_starter


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m hfsignin.starter",
        description="Write a minimal static Hugging Face Space that signs in with Hugging Face (hfsignin) "
                    "and lists the visitor's models. Push the folder to a Space as it is.")
    parser.add_argument("dir", type=Path, help="the folder to write (created; must be empty unless --force)")
    parser.add_argument("--runtime", choices=RUNTIMES, default="release",
                        help=f"release (default): PyScript {PYSCRIPT} and Pyodide {PYODIDE} from jsDelivr, a small "
                             "Space; self-hosted: the same pinned runtime copied into the Space (about 20 MB)")
    parser.add_argument("--vendor", type=Path, metavar="VENDOR",
                        help="self-hosted: take the runtime from this folder (like a checkout's static_site/vendor "
                             "after `make setup`) instead of this checkout's or the npm registry")
    parser.add_argument("--force", action="store_true", help="write into a folder that is not empty")
    args = parser.parse_args(argv)
    if args.vendor is not None and args.runtime != "self-hosted":
        parser.error("--vendor goes with --runtime self-hosted")
    try:
        files = write_starter(args.dir, args.runtime, vendor=args.vendor, force=args.force)
    except StarterError as exc:
        print(f"hfsignin.starter: error: {exc}", file=sys.stderr)
        return 1
    size = sum(f.stat().st_size for f in files)
    print(f"hfsignin.starter: wrote a {args.runtime} starter Space to {args.dir} ({len(files)} files, {size / 1e6:.1f} MB)\n"
          f"  Try it locally:  python -m devhub --site {args.dir}   (devhub: a local huggingface.co, from the repository)\n"
          f"  Deploy it:       push the folder to a Space of yours (its README.md is the Space card)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
