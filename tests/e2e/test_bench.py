"""make bench keeps working: one run of every scenario, without warm-up, prints every
figure. (Figures are printed, never asserted: timing targets live in the benchmark.)"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_prints_every_scenario_baseline_and_ratio(tmp_path):
    out = tmp_path / "bench.json"
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "bench.py"), "--runs", "1", "--no-warm-up",
                          "--json", str(out)],
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-2000:]
    for name in ("B0 cold", "B0 warm", "B1", "S1 cold", "S1 warm", "S2", "S3", "S4", "S5 render",
                 "S5 longest task", "S5 DOM nodes", "S6 cold", "S6 warm revisit", "S6 warm revisit, immutable", "S6 JS heap", "S6 wasm memory",
                 "S7", "S7 +40 ms", "S7 bytes", "S2 / B0 warm", "S2 / B1", "S4 / B0 cold", "S7 / S2", "Chromium"):
        assert name in run.stdout, name
    data = json.loads(out.read_text())
    assert data["machine"] and set(data["results"]["ratios"]) == {"S2 / B0 warm", "S2 / B1", "S4 / B0 cold", "S7 / S2"}
    assert data["results"]["S2 boot is snapshot"]["median"] == 1.0  # the round trip used the snapshot
    assert data["results"]["S7 boot is snapshot"]["median"] == 1.0  # and so did the first sign-in
