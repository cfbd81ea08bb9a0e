"""python -m devhub.probe, run against devhub itself: devhub passes its own probe, and each
variant flag shows up as the row it is meant to explain."""

import subprocess
import sys

from devhub.probe import ORIGIN, framing, placement, run
from devhub.space_host import inject

VARIABLES = {"OAUTH_CLIENT_ID": "x"}
# The page loads Pyodide's wasm from a script, so it names none: the probe is told where it is.
WASM = "static_site/vendor/pyodide-314.0.7/pyodide.asm.wasm"
COMPRESSION_ROWS = {
    "Space index.html: compression, unknown at HF (--space-compress)",
    "Space script (.js): compression, unknown at HF (--space-compress)",
    "Space stylesheet (.css): compression, unknown at HF (--space-compress)",
    "Space .wasm: compression, unknown at HF (--space-compress)",
}


def verdicts(hub) -> dict[str, str]:
    return {r.check: r.verdict for r in run(hub.hub_url, hub.space_url, space_files=(WASM,))}


def test_devhub_passes_its_own_probe(hub):
    rows = run(hub.hub_url, hub.space_url, space_files=(WASM,))
    assert len(rows) == 19 and {r.verdict for r in rows} == {"pass"}, [r for r in rows if r.verdict != "pass"]
    assert ORIGIN not in (hub.hub_url, hub.space_url)
    seen = {r.check: r.seen for r in rows}
    assert seen["Space .wasm: compression, unknown at HF (--space-compress)"].startswith(
        "pyodide.asm.wasm (application/wasm): none")


def test_compression_rows_read_each_type_and_need_a_wasm_named(hub):
    hub.settings(space_compress="gzip")
    seen = {r.check: r for r in run(hub.hub_url, hub.space_url)}
    rows = [seen[c] for c in sorted(COMPRESSION_ROWS)]
    assert {r.check: r.verdict for r in rows} == {**dict.fromkeys(COMPRESSION_ROWS, "differs"),
                                                   "Space .wasm: compression, unknown at HF (--space-compress)": "unknown"}
    assert seen["Space script (.js): compression, unknown at HF (--space-compress)"].seen == (
        "core.js (text/javascript): gzip, Vary: Accept-Encoding")
    assert "--space-file" in seen["Space .wasm: compression, unknown at HF (--space-compress)"].seen


def test_each_variant_shows_as_a_difference(hub):
    hub.settings(jwks_cors=False, expose_headers=False, framing="deny", inject="head-end", space_compress="gzip")
    seen = verdicts(hub)
    differs = {check for check, verdict in seen.items() if verdict == "differs"}
    assert differs == {
        "JWKS: CORS (--no-jwks-cors plays 'not allowed')",
        "/api/models: Link exposed to scripts (--no-expose-headers)",
        "/api/models: Retry-After, RateLimit* exposed (a guess)",
        "authorize: who may frame it (--framing)",
        "Space index.html: window.huggingface (--inject)",
        *COMPRESSION_ROWS,
    }


def test_without_a_space_only_the_hub_is_probed_and_failures_are_unknown(hub):
    rows = run(hub.hub_url)
    assert len(rows) == 12 and not [r for r in rows if r.check.startswith("Space")]
    down = run("http://127.0.0.1:9", timeout=2)
    assert {r.verdict for r in down} == {"unknown"} and "request failed" in down[0].seen


def test_framing_reads_like_a_browser():
    assert framing("SAMEORIGIN", "") == framing("DENY", "'self'") == "self"  # CSP wins
    assert framing("DENY", "") == framing("", "'none'") == "none"
    assert framing("", "") == "any"


def test_placement_names_every_case():
    lf = "<!doctype html>\n<html>\n<head>\n<title>x</title>\n</head>\n</html>\n"
    first = "<!doctype html><html><head>\n</head>\n</html>\n"
    assert placement(inject(lf, VARIABLES))[1] is True and "2 LF newline" in placement(inject(lf, VARIABLES))[0]
    assert placement(inject(first, VARIABLES)) == ("head-start (no LF before <head>: the CRLF quirk could not show)", True)
    assert placement(inject(lf.replace("\n", "\r\n"), VARIABLES))[0].startswith("head-start (no LF before")
    assert placement(inject(lf, VARIABLES, "head-end")) == ("head-end", False)
    quirk, ok = placement(inject(lf, VARIABLES, "crlf-quirk"))
    assert ok is False and "<hea" in quirk and "CRLF quirk" in quirk
    assert placement(lf)[1] is None


def test_the_command_prints_a_table_and_exits_by_verdict(hub):
    ok = subprocess.run([sys.executable, "-m", "devhub.probe", hub.hub_url, "--space", hub.space_url,
                         "--space-file", WASM], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    lines = ok.stdout.splitlines()
    assert lines[0].split() == ["check", "expected", "(devhub)", "seen", "result"] and len(lines) == 21
    assert all(line.endswith("pass") for line in lines[2:]), ok.stdout
    hub.settings(framing="any")
    differs = subprocess.run([sys.executable, "-m", "devhub.probe", hub.hub_url], capture_output=True, text=True,
                             timeout=120)
    assert differs.returncode == 1 and "differs" in differs.stdout
