"""make bench keeps working: one run of every scenario, without warm-up, prints every
figure. (Figures are printed, never asserted: timing targets live in the benchmark.)"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from bench import LOOPBACK_SCENARIOS, STEPS  # noqa: E402


def test_bench_prints_every_scenario_baseline_and_ratio(tmp_path):
    out = tmp_path / "bench.json"
    # The scenarios on loopback; those on a slow link take minutes (one of them is checked below).
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "bench.py"), "--runs", "1", "--no-warm-up",
                          "--only", *LOOPBACK_SCENARIOS, "--json", str(out)],
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-2000:]
    for name in ("B0 cold", "B0 warm", "B1", "S1 cold", "S1 warm", "S2", "S2 profile", "S3", "S4", "S5 render",
                 "S5 longest task", "S5 DOM nodes", "S6 cold", "S6 warm revisit", "S6 warm revisit, immutable", "S6 JS heap", "S6 wasm memory",
                 "S7", "S7 +40 ms", "S7 bytes", "S8 profile", "S8 repos", "S2 / B0 warm", "S2 / B1", "S8 profile / B1",
                 "S8 repos / B1", "S8 repos / S2", "S4 / B0 cold", "S7 / S2",
                 "S8 breakdown (median ms after the click on Approve)", "Chromium"):
        assert name in run.stdout, name
    data = json.loads(out.read_text())
    assert data["machine"] and set(data["results"]["ratios"]) == {
        "S2 / B0 warm", "S2 / B1", "S8 profile / B1", "S8 repos / B1", "S8 repos / S2", "S4 / B0 cold", "S7 / S2"}
    assert data["results"]["S2 boot is snapshot"]["median"] == 1.0  # the round trip used the snapshot
    assert data["results"]["S7 boot is snapshot"]["median"] == 1.0  # and so did the first sign-in
    # S8: the window opened with Chromium's popup blocker on and answered the page that opened it;
    # every milestone of the breakdown was seen, in the order it happens (each window's on its clock).
    steps = data["S8 breakdown"]
    seen_always = {key for key, _ in STEPS} - {"callback.js start", "callback.js end"}  # none if it is inlined
    assert set(steps) >= seen_always, seen_always - set(steps)
    assert steps["callback response"] < steps["callback script"] and steps["callback response"] < steps["message"]
    opener = ["message", "token start", "token end", "userinfo start", "userinfo end", "profile", "repos start",
              "repos end", "repos"]
    assert [steps[k] for k in opener] == sorted(steps[k] for k in opener), steps
    assert abs(steps["clock skew"]) < 2, steps  # the two windows' clocks agree


def test_bench_first_visit_on_a_link_prints_its_figures(tmp_path):
    """first_visit_20 once, on a fast link (--link) so that it is quick: every figure printed, and
    the bytes counted (the first visit downloads the runtime: megabytes, not kilobytes)."""
    out = tmp_path / "bench.json"
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "bench.py"), "--runs", "1", "--no-warm-up",
                          "--only", "first_visit_20", "--link", "400/100/2", "--json", str(out)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    data = json.loads(out.read_text())
    compressions = data["first visit"]["compressions"]
    assert compressions[0] == "none", compressions
    for host in compressions:
        tag = f"400 Mbit/s, host {host}"
        for name in (f"S4 {tag}", f"S7 {tag}", f"S4 bytes {tag}", f"first sign-in bytes {tag}",
                     f"S4 at {tag}: bytes alone would take"):
            assert name in run.stdout, name
        results = data["results"]
        assert results[f"S4 bytes {tag}"]["unit"] == "MB" and results[f"S4 bytes {tag}"]["median"] > 1, results
        assert results[f"first sign-in bytes {tag}"]["median"] >= results[f"S4 bytes {tag}"]["median"]
        assert results[f"S7 {tag}"]["unit"] == "ms"
    assert "first visit: the link is" in run.stdout
