"""python -m devhub.probe: check what devhub assumes about huggingface.co, read-only and
without signing in.

    python -m devhub.probe https://huggingface.co [--space https://owner-name.static.hf.space
                                                   [--space-file PATH ...]]

One row per assumption: what devhub does by default (expected), what the target does (seen),
and ``pass``, ``differs`` or ``unknown`` (the probe could not tell). A ``differs`` row names a
flag of devhub that plays what was seen, or a fact to add to docs/devhub.md. Exit status 1 when
a row differs. devhub passes its own probe (tests/devhub/test_probe.py).
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urljoin, urlsplit

import httpx

# Sent as the Origin of every CORS check: a site that is neither the hub nor a Space.
ORIGIN = "https://probe.example"
EXPECTED_PATHS = {"authorization_endpoint": "/oauth/authorize", "token_endpoint": "/oauth/token",
                  "userinfo_endpoint": "/oauth/userinfo", "jwks_uri": "/oauth/jwks"}
INJECTED = re.compile(r"<script[^>]*>\s*window\.huggingface\s*=")
HEAD_TAG_AT_END = re.compile(r"<head(\s[^<>]*)?>$", re.IGNORECASE)
# Files a page names in quotes (src, href, or a string in a script), by kind; the first on the
# Space's own origin is fetched to see whether the host compresses that type.
NAMED_FILE = {"script": re.compile(r"""["']([^"'\s<>]+\.m?js)(?:\?[^"'\s<>]*)?["']"""),
              "stylesheet": re.compile(r"""["']([^"'\s<>]+\.css)(?:\?[^"'\s<>]*)?["']"""),
              "wasm": re.compile(r"""["']([^"'\s<>]+\.wasm)(?:\?[^"'\s<>]*)?["']""")}
ASK_ENCODINGS = "gzip, br"  # what the probe accepts; a browser sends more (zstd, deflate)


@dataclass(frozen=True)
class Row:
    check: str
    expected: str
    seen: str
    verdict: str  # pass | differs | unknown


Outcome = tuple[str, str, bool | None]  # expected, seen, ok (None: cannot tell)


class Probe:
    """The checks: a few GETs and one OPTIONS against the hub, and one GET of the Space."""

    HUB_CHECKS = (
        ("discovery: CORS", "discovery_cors"),
        ("discovery: endpoints", "discovery_endpoints"),
        ("discovery: prompt=login, select_account advertised (--prompt-login)", "discovery_prompts"),
        ("JWKS: CORS (--no-jwks-cors plays 'not allowed')", "jwks_cors"),
        ("token: CORS preflight (OPTIONS)", "token_preflight"),
        ("userinfo: no token", "userinfo_cors"),
        ("/api/models: CORS", "api_cors"),
        ("/api/models: Link exposed to scripts (--no-expose-headers)", "api_exposes_link"),
        ("/api/models: Retry-After, RateLimit* exposed (a guess)", "api_exposes_rate_limits"),
        ("/api/models?limit=2: next page in Link", "api_pages_with_link"),
        ("authorize: who may frame it (--framing)", "authorize_framing"),
        ("authorize: Cross-Origin-Opener-Policy, unknown at HF (--coop)", "authorize_coop"),
    )
    SPACE_CHECKS = (
        ("Space index.html: Content-Security-Policy header", "space_policy"),
        ("Space index.html: cache, unknown at HF (--cache)", "space_cache"),
        ("Space index.html: window.huggingface (--inject)", "space_injection"),
        ("Space index.html: compression, unknown at HF (--space-compress)", "space_compress_html"),
        ("Space script (.js): compression, unknown at HF (--space-compress)", "space_compress_script"),
        ("Space stylesheet (.css): compression, unknown at HF (--space-compress)", "space_compress_stylesheet"),
        ("Space .wasm: compression, unknown at HF (--space-compress)", "space_compress_wasm"),
    )

    def __init__(self, hub: str, space: str | None, client: httpx.Client, space_files: tuple[str, ...] = ()) -> None:
        self.hub = hub.rstrip("/")
        self.space = space.rstrip("/") if space else None
        self.http = client
        self.space_files = space_files  # paths on the Space the page may not name (a large .wasm)

    def rows(self) -> list[Row]:
        checks = self.HUB_CHECKS + (self.SPACE_CHECKS if self.space else ())
        return [self.run(name, getattr(self, method)) for name, method in checks]

    @staticmethod
    def run(name: str, check) -> Row:
        try:
            expected, seen, ok = check()
        except (httpx.HTTPError, ValueError) as exc:
            expected, seen, ok = "-", f"request failed: {type(exc).__name__}: {exc}"[:120], None
        return Row(name, expected, seen, "unknown" if ok is None else "pass" if ok else "differs")

    def get(self, url: str) -> httpx.Response:
        return self.http.get(url, headers={"Origin": ORIGIN})

    @cached_property
    def discovery_response(self) -> httpx.Response:
        return self.get(self.hub + "/.well-known/openid-configuration")

    @cached_property
    def discovery(self) -> dict:
        """The discovery document, or {} (then the endpoints are guessed at their usual paths)."""
        try:
            doc = self.discovery_response.json() if self.discovery_response.status_code == 200 else {}
        except (httpx.HTTPError, ValueError):
            return {}
        return doc if isinstance(doc, dict) else {}

    def endpoint(self, name: str) -> str:
        return self.discovery.get(name) or self.hub + EXPECTED_PATHS[name]

    @cached_property
    def models(self) -> httpx.Response:
        return self.get(self.hub + "/api/models?limit=2")

    @cached_property
    def authorize_page(self) -> httpx.Response:
        """Where /oauth/authorize (without parameters) ends up, after its redirects."""
        return self.http.get(self.endpoint("authorization_endpoint"), follow_redirects=True)

    @cached_property
    def index(self) -> httpx.Response:
        return self.http.get(self.space + "/")

    # -- the hub -----------------------------------------------------------------------------

    def discovery_cors(self) -> Outcome:
        return cors(self.discovery_response)

    def discovery_endpoints(self) -> Outcome:
        seen = {name: urlsplit(self.discovery.get(name, "")).path or "-" for name in EXPECTED_PATHS}
        if not self.discovery:
            return "/oauth/{authorize,token,userinfo,jwks}", "no discovery document", None
        same = seen == EXPECTED_PATHS
        return "/oauth/{authorize,token,userinfo,jwks}", "the same" if same else ", ".join(seen.values()), same

    def discovery_prompts(self) -> Outcome:
        """Whether the provider says it honours the prompts that ask for the account again. Not
        advertised is no proof of the opposite (the list is optional); advertised is a claim."""
        expected = "neither listed (devhub ignores them)"
        if not self.discovery:
            return expected, "no discovery document", None
        values = self.discovery.get("prompt_values_supported")
        if not isinstance(values, list):
            return expected, "no prompt_values_supported", True
        listed = {"login", "select_account"} & set(map(str, values))
        return expected, "prompt_values_supported: " + (", ".join(map(str, values)) or "empty"), not listed

    def jwks_cors(self) -> Outcome:
        return cors(self.get(self.endpoint("jwks_uri")))

    def token_preflight(self) -> Outcome:
        r = self.http.options(self.endpoint("token_endpoint"), headers={
            "Origin": ORIGIN, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type"})
        allow, methods = allowed_origin(r), r.headers.get("access-control-allow-methods", "")
        ok = bool(allow) and ("POST" in methods.upper() or methods.strip() == "*")
        return "allowed, POST", f"HTTP {r.status_code}, origin {allow or 'not allowed'}, methods {methods or '-'}", ok

    def userinfo_cors(self) -> Outcome:
        r = self.get(self.endpoint("userinfo_endpoint"))
        allow = allowed_origin(r)
        return ("HTTP 401 a script can read", f"HTTP {r.status_code}, origin {allow or 'not allowed'}",
                r.status_code == 401 and bool(allow))

    def api_cors(self) -> Outcome:
        return cors(self.models)

    def api_exposes_link(self) -> Outcome:
        exposed = exposed_headers(self.models)
        return "Link exposed", ", ".join(sorted(exposed)) or "nothing exposed", "link" in exposed

    def api_exposes_rate_limits(self) -> Outcome:
        missing = [h for h in ("retry-after", "ratelimit", "ratelimit-policy") if h not in exposed_headers(self.models)]
        return "all three exposed", "missing: " + ", ".join(missing) if missing else "all three exposed", not missing

    def api_pages_with_link(self) -> Outcome:
        link = self.models.headers.get("link", "")
        seen = (link[:40] + ("…" if len(link) > 40 else "")) or "no Link"
        return 'Link: <…cursor=…>; rel="next"', seen, 'rel="next"' in link

    def authorize_framing(self) -> Outcome:
        r = self.authorize_page
        xfo = r.headers.get("x-frame-options", "")
        ancestors = frame_ancestors(r.headers.get("content-security-policy", ""))
        seen = f"{r.url.path}: X-Frame-Options {xfo or '-'}, frame-ancestors {ancestors or '-'}"
        return "the hub only (SAMEORIGIN, 'self')", seen, framing(xfo, ancestors) == "self"

    def authorize_coop(self) -> Outcome:
        """Whether a popup keeps its opener through the sign-in: any COOP but unsafe-none cuts it."""
        r = self.authorize_page
        hops = [*r.history, r]
        seen = ", ".join(f"{h.url.path}: {h.headers.get('cross-origin-opener-policy') or '-'}" for h in hops)
        ok = all(coop(h.headers.get("cross-origin-opener-policy", "")) == "none" for h in hops)
        return "none (the opener keeps its popup)", seen, ok

    # -- the Space ---------------------------------------------------------------------------

    def space_policy(self) -> Outcome:
        csp = self.index.headers.get("content-security-policy")
        return "none", csp or "none", csp is None

    def space_cache(self) -> Outcome:
        cache, etag = self.index.headers.get("cache-control", "-"), self.index.headers.get("etag")
        return ("no-cache + ETag", f"Cache-Control {cache}, {'ETag' if etag else 'no ETag'}",
                "no-cache" in cache and bool(etag))

    def space_injection(self) -> Outcome:
        seen, ok = placement(self.index.text)
        return "head-start", seen, ok

    def space_compress_html(self) -> Outcome:
        return self.compression(self.space + "/")

    def space_compress_script(self) -> Outcome:
        return self.compression_of("script")

    def space_compress_stylesheet(self) -> Outcome:
        return self.compression_of("stylesheet")

    def space_compress_wasm(self) -> Outcome:
        return self.compression_of("wasm")

    def compression_of(self, kind: str) -> Outcome:
        url = self.space_file(kind)
        if url is None:
            return EXPECTED_ENCODING, f"the page names no {kind} on the Space (add one: --space-file PATH)", None
        return self.compression(url)

    def space_file(self, kind: str) -> str | None:
        """The first file of ``kind`` on the Space's own origin: from --space-file, else named by index.html."""
        base = self.space + "/"
        origin = urlsplit(base)[:2]
        named = [*(p.lstrip("/") for p in self.space_files), *NAMED_FILE[kind].findall(self.index.text)]
        for name in named:
            url = urljoin(base, name)
            if urlsplit(url)[:2] == origin and NAMED_FILE[kind].search(f'"{urlsplit(url).path}"'):
                return url
        return None

    def compression(self, url: str) -> Outcome:
        """Whether the Space host compresses this file for a client that accepts gzip and br (the
        headers only: the body is not read)."""
        with self.http.stream("GET", url, headers={"Accept-Encoding": ASK_ENCODINGS}) as r:
            encoding = r.headers.get("content-encoding", "").strip().lower()
            kind = r.headers.get("content-type", "-").split(";", 1)[0]
            vary = "Vary: Accept-Encoding" if "accept-encoding" in r.headers.get("vary", "").lower() else "no Vary"
        name = urlsplit(url).path.rsplit("/", 1)[-1] or "index.html"
        if r.status_code != 200:
            return EXPECTED_ENCODING, f"{name}: HTTP {r.status_code}", None
        seen = f"{name} ({kind}): {encoding or 'none'}, {vary}"
        return EXPECTED_ENCODING, seen, encoding in ("", "identity")


EXPECTED_ENCODING = "none (devhub's default --space-compress none)"


def allowed_origin(r: httpx.Response) -> str:
    allow = r.headers.get("access-control-allow-origin", "")
    return allow if allow in ("*", ORIGIN) else ""


def cors(r: httpx.Response) -> Outcome:
    allow = allowed_origin(r)
    return "any origin may read it", f"HTTP {r.status_code}, origin {allow or 'not allowed'}", bool(allow)


def exposed_headers(r: httpx.Response) -> set[str]:
    return {h.strip().lower() for h in r.headers.get("access-control-expose-headers", "").split(",") if h.strip()}


def frame_ancestors(csp: str) -> str:
    for directive in csp.split(";"):
        name, _, value = directive.strip().partition(" ")
        if name.lower() == "frame-ancestors":
            return value.strip()
    return ""


def framing(xfo: str, ancestors: str) -> str:
    """Who may frame a page: "self", "none" or "any" (frame-ancestors wins over X-Frame-Options);
    anything else, verbatim."""
    if ancestors:
        return {"'self'": "self", "'none'": "none", "*": "any"}.get(ancestors, ancestors)
    return {"SAMEORIGIN": "self", "DENY": "none", "": "any"}.get(xfo.upper(), xfo)


def coop(header: str) -> str:
    """A Cross-Origin-Opener-Policy header's policy: "none" for none or unsafe-none (a browser's
    default), else the value (report-to parameters left out)."""
    value = header.split(";", 1)[0].strip().lower()
    return "none" if value in ("", "unsafe-none") else value


def placement(html: str) -> tuple[str, bool | None]:
    """Where the variables script sits in a served index.html, and whether that is devhub's
    default (right after <head>). None when the page has no such script (no hf_oauth?)."""
    found = INJECTED.search(html)
    if not found:
        return "no window.huggingface script (is hf_oauth on?)", None
    before, after = html[: found.start()], html[html.find("</script>", found.end()) + len("</script>"):]
    newlines = before.count("\n") - before.count("\r\n")
    if HEAD_TAG_AT_END.search(before):
        if newlines:
            return f"head-start, with {newlines} LF newline(s) before <head>: no CRLF quirk", True
        return "head-start (no LF before <head>: the CRLF quirk could not show)", True
    if after.lstrip().lower().startswith("</head>"):
        return "head-end", False
    if before.rfind("<") > before.rfind(">"):
        return f"inside a tag ({before[before.rfind('<'):][:12]}…): the CRLF quirk", False
    return "elsewhere", False


def format_table(rows: list[Row]) -> str:
    head = Row("check", "expected (devhub)", "seen", "result")
    widths = [max(len(getattr(r, f)) for r in [head, *rows]) for f in ("check", "expected", "seen")]
    lines = []
    for r in [head, *rows]:
        cells = [r.check.ljust(widths[0]), r.expected.ljust(widths[1]), r.seen.ljust(widths[2]), r.verdict]
        lines.append("  ".join(cells).rstrip())
        if r is head:
            lines.append("-" * len(lines[0]))
    return "\n".join(lines)


def run(hub: str, space: str | None = None, timeout: float = 20.0, space_files: tuple[str, ...] = ()) -> list[Row]:
    with httpx.Client(timeout=timeout, headers={"User-Agent": "devhub-probe"}) as client:
        return Probe(hub, space, client, tuple(space_files)).rows()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m devhub.probe", description=__doc__.split("\n\n")[0])
    p.add_argument("hub", help="the hub to probe, e.g. https://huggingface.co")
    p.add_argument("--space", metavar="URL", help="a public static Space, e.g. https://owner-name.static.hf.space")
    p.add_argument("--space-file", metavar="PATH", action="append", default=[],
                   help="a file of the Space to check for compression beside what index.html names, by its "
                        "extension (.js, .mjs, .css, .wasm), e.g. a large .wasm the page loads from a script")
    p.add_argument("--timeout", type=float, default=20.0, help="seconds per request (default 20)")
    a = p.parse_args(argv)
    rows = run(a.hub, a.space, a.timeout, tuple(a.space_file))
    print(format_table(rows))
    return 1 if any(r.verdict == "differs" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
