"""Playwright's ``executable_path`` for Firefox ESR: starts the real Firefox and
stands between Playwright and Firefox's WebDriver BiDi endpoint.

Playwright (1.65, channel "moz-firefox") speaks WebDriver BiDi and, for every new
browser context, sends ``emulation.setMediaFeaturesOverride``, which Firefox ESR
does not implement yet: ``new_context()`` fails with "unknown command". This shim
forwards every message both ways unchanged, except that when Firefox answers one
of the commands in ``FAKE_WHEN_UNKNOWN`` that asks for nothing with "unknown
command", Playwright gets an empty success instead. A Firefox that knows the
command answers it itself.

Usage (what harness.firefox_executable() writes into a wrapper):
    python firefox_bidi_shim.py /usr/bin/firefox-esr <Playwright's Firefox arguments>

It prints "WebDriver BiDi listening on ws://127.0.0.1:<port>" (its own port) on
stderr like Firefox does, passes Firefox's other output through, exits with
Firefox's exit code, and takes Firefox down with it on SIGTERM/SIGINT/SIGHUP.
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
import sys

import websockets

# Commands Playwright sends unconditionally that Firefox ESR 153 does not know.
# Each is faked only when it asks for nothing: every new context sends
# emulation.setMediaFeaturesOverride with {"features": {}} (or null values, "no
# override"). A real request, e.g. page.emulate_media(color_scheme="dark"), still
# fails loudly instead of silently not emulating. (For dark mode in Firefox, launch
# with the pref layout.css.prefers-color-scheme.content-override = 0.)
FAKE_WHEN_UNKNOWN = {"emulation.setMediaFeaturesOverride"}


def _asks_for_nothing(command: dict) -> bool:
    features = (command.get("params") or {}).get("features") or {}
    return isinstance(features, dict) and all(value is None for value in features.values())


LISTENING = re.compile(rb"WebDriver BiDi listening on (ws://\S+)")


def _fake_success(message: str | bytes, pending: dict[int, str]) -> str | None:
    """Firefox's answer to a command in ``pending``, rewritten to an empty success when it is 'unknown command'."""
    try:
        data = json.loads(message)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("id") not in pending:
        return None
    method = pending.pop(data["id"])
    if data.get("type") == "error" and data.get("error") == "unknown command":
        sys.stderr.write(f"firefox-bidi-shim: answered {method} (unknown to this Firefox) with success\n")
        return json.dumps({"type": "success", "id": data["id"], "result": {}})
    return None


async def _proxy(client, upstream_base: str) -> None:
    path = client.request.path if client.request else "/session"
    pending: dict[int, str] = {}
    async with websockets.connect(upstream_base + path, max_size=None, compression=None,
                                  ping_interval=None, open_timeout=30) as upstream:

        async def to_firefox():
            async for message in client:
                try:
                    data = json.loads(message)
                except ValueError:
                    data = None
                if isinstance(data, dict) and data.get("method") in FAKE_WHEN_UNKNOWN and _asks_for_nothing(data):
                    pending[data.get("id")] = data["method"]
                await upstream.send(message)

        async def to_playwright():
            async for message in upstream:
                if pending:
                    message = _fake_success(message, pending) or message
                await client.send(message)

        tasks = [asyncio.create_task(to_firefox()), asyncio.create_task(to_playwright())]
        done, rest = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in rest:
            task.cancel()
        for task in done:
            if task.exception() and not isinstance(task.exception(), websockets.ConnectionClosed):
                sys.stderr.write(f"firefox-bidi-shim: {task.exception()!r}\n")


async def main(argv: list[str]) -> int:
    if len(argv) < 2:
        sys.stderr.write("usage: firefox_bidi_shim.py FIREFOX [ARGS...]\n")
        return 2
    firefox = await asyncio.create_subprocess_exec(argv[1], *argv[2:], stderr=asyncio.subprocess.PIPE,
                                                   limit=1 << 24)  # the longest stderr line it passes on
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        loop.add_signal_handler(sig, lambda: firefox.returncode is None and firefox.kill())

    server = None
    while line := await firefox.stderr.readline():
        found = LISTENING.search(line) if server is None else None
        if not found:
            sys.stderr.buffer.write(line)
            sys.stderr.flush()
            continue
        upstream = found.group(1).decode().rstrip("/")
        server = await websockets.serve(lambda ws, up=upstream: _proxy(ws, up), "127.0.0.1", 0,
                                        max_size=None, compression=None, ping_interval=None)
        port = server.sockets[0].getsockname()[1]
        sys.stderr.write(f"WebDriver BiDi listening on ws://127.0.0.1:{port}\n")
        sys.stderr.flush()
    code = await firefox.wait()
    if server is not None:
        server.close()
    return code


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv)))
