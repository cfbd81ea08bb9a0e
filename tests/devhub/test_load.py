"""devhub under bounded load on loopback: 50 concurrent full sign-ins and 5,000
listing requests, with zero errors and every code redeemable exactly once.
Throughput is printed (see `python -m devhub.load`), not asserted."""

from devhub.load import run


def test_fifty_concurrent_sign_ins_and_five_thousand_listings(devhub, hub, capsys):
    report = run(devhub, flows=50, requests=5000, workers=25)
    with capsys.disabled():
        print("\n  " + "\n  ".join(report.lines()))
    assert report.flow_errors == [] and report.request_errors == []
    assert report.reuse_refused == 50  # each code worked once, and only once
    assert len(hub.events("code_reuse")) == 50
