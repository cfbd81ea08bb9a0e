// PyScript's `interpreter` (see pyscript.toml): Pyodide, restored from a memory
// snapshot when this browser holds a valid one (about half a second instead of
// about three), booted normally otherwise.
//
// The snapshot is made in a Web Worker by a throwaway interpreter that only
// imports the standard library modules the app uses: it never sees the page,
// the DOM, sessionStorage or a token. It is kept in Cache Storage under a key
// naming the Pyodide version and this file's format, so another runtime or
// format never restores it; any failure to restore falls back to a normal boot
// and drops it.
import { loadPyodide as boot, version } from "./vendor/pyodide-314.0.7/pyodide.mjs";

export { version };

const INDEX_URL = new URL("./vendor/pyodide-314.0.7/", import.meta.url).href;
const FORMAT = 1;
const CACHE = "hfsignin-pyodide-snapshots";
const KEY = new URL(`./snapshot/pyodide-${version}-v${FORMAT}.bin`, import.meta.url).href;
// The standard library the app imports, warmed into the snapshot.
const WARM = [
  "asyncio", "base64", "collections.abc", "dataclasses", "datetime", "hashlib", "hmac", "html", "inspect",
  "json", "math", "re", "secrets", "time", "traceback", "typing", "urllib.parse", "urllib.request",
  "urllib.error", "pyodide.ffi", "pyodide.http",
];

const runtime = { boot: "pending", snapshot: "none", wasmBytes: () => 0 };
globalThis.hfsigninRuntime = runtime;

async function readSnapshot() {
  try {
    if (!globalThis.caches) return null;
    const cache = await caches.open(CACHE);
    for (const request of await cache.keys()) {
      if (request.url !== KEY) await cache.delete(request); // another version or format
    }
    const hit = await cache.match(KEY);
    return hit ? new Uint8Array(await hit.arrayBuffer()) : null;
  } catch (e) {
    return null;
  }
}

async function dropSnapshot() {
  try { await caches.delete(CACHE); } catch (e) { /* nothing to drop */ }
}

function makeSnapshotLater() {
  if (!globalThis.caches || !globalThis.Worker) return;
  const start = () => {
    runtime.snapshot = "making";
    const worker = new Worker(new URL("./snapshot-worker.mjs", import.meta.url), { type: "module" });
    worker.onmessage = async ({ data }) => {
      worker.terminate();
      if (!data.ok) { runtime.snapshot = "failed"; return; }
      try {
        const cache = await caches.open(CACHE);
        await cache.put(KEY, new Response(data.bytes, { headers: { "Content-Type": "application/octet-stream" } }));
        runtime.snapshot = "stored";
      } catch (e) {
        runtime.snapshot = "failed";
      }
    };
    worker.onerror = () => { worker.terminate(); runtime.snapshot = "failed"; };
    worker.postMessage({ indexURL: INDEX_URL, warm: WARM });
  };
  // After the page has settled, so the worker never competes with the first render.
  const idle = globalThis.requestIdleCallback || ((fn) => setTimeout(fn, 1500));
  addEventListener("py:all-done", () => idle(start, { timeout: 4000 }), { once: true });
}

function finish(py, how) {
  runtime.boot = how;
  runtime.wasmBytes = () => py._module.HEAP8.byteLength;
  document.documentElement.dataset.pythonBoot = how;
  return py;
}

export async function loadPyodide(options = {}) {
  const snapshot = await readSnapshot();
  if (snapshot) {
    try {
      return finish(await boot({ ...options, indexURL: INDEX_URL, _loadSnapshot: snapshot }), "snapshot");
    } catch (e) {
      console.warn("hfsignin: the Pyodide snapshot could not be restored; booting normally");
      await dropSnapshot();
    }
  }
  const py = finish(await boot({ ...options, indexURL: INDEX_URL }), "normal");
  makeSnapshotLater();
  return py;
}
