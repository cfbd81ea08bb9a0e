"""Upload dist/ to a Hugging Face Space with huggingface_hub.

    python scripts/deploy.py owner/name      (make deploy SPACE=owner/name)

Uses the token of the usual Hugging Face login (`hf auth login`, or HF_TOKEN).
Creates the Space (sdk: static) if it does not exist yet; files under py/ and
static_site/, and hfsignin wheels, that the build no longer has are removed from the
Space. The published library (dist/hfsignin-*.whl and .tar.gz) is not uploaded: the page
loads py/hfsignin-*.whl, that wheel without the starter.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
SPACE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,95}/[A-Za-z0-9][A-Za-z0-9_.-]{0,95}$")


def deploy(space: str, api=None) -> str:
    """Upload dist/ to ``space``; returns the Space's URL. Raises SystemExit with a message on bad input."""
    if not SPACE_ID.match(space or ""):
        raise SystemExit("deploy: say which Space: make deploy SPACE=owner/name")
    if not (DIST / "index.html").is_file():
        raise SystemExit("deploy: dist/ is empty: run make build first")
    if api is None:
        from huggingface_hub import HfApi, get_token

        token = get_token()
        if not token:
            raise SystemExit("deploy: not logged in to Hugging Face: run `hf auth login` or set HF_TOKEN")
        api = HfApi(token=token)
    api.create_repo(space, repo_type="space", space_sdk="static", exist_ok=True)
    # The published wheel and sdist are no part of the Space (its py/ wheel is, without the starter); a
    # wheel an earlier deploy left at the top, or of an earlier version in py/, is removed.
    api.upload_folder(folder_path=str(DIST), repo_id=space, repo_type="space",
                      commit_message="Deploy the Sign in with HF Space (make deploy)",
                      ignore_patterns=["*.tar.gz", "hfsignin-*.whl"],
                      delete_patterns=["py/**", "static_site/**", "hfsignin-*.whl"])
    return f"https://huggingface.co/spaces/{space}"


def main(argv: list[str]) -> int:
    url = deploy(argv[1] if len(argv) > 1 else "")
    print(f"deploy: uploaded dist/ to {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
