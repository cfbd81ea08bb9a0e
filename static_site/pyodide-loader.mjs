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

// The stored snapshot as a Response (its 31 MB body is read while Pyodide loads), or null.
async function findSnapshot() {
  try {
    if (!globalThis.caches) return null;
    const cache = await caches.open(CACHE);
    for (const request of await cache.keys()) {
      if (request.url !== KEY) await cache.delete(request); // another version or format
    }
    return (await cache.match(KEY)) || null;
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

async function bootPyodide(stored) {
  const snapshot = await stored;
  if (snapshot) {
    try {
      return finish(await boot({ indexURL: INDEX_URL, _loadSnapshot: snapshot.arrayBuffer() }), "snapshot");
    } catch (e) {
      console.warn("hfsignin: the Pyodide snapshot could not be restored; booting normally");
      await dropSnapshot();
    }
  }
  const py = finish(await boot({ indexURL: INDEX_URL }), "normal");
  makeSnapshotLater();
  return py;
}

// Booting starts when this module is imported, not when PyScript asks for it:
// boot.js imports it next to PyScript's core, so Pyodide loads while PyScript
// does. The snapshot is looked up at once (no main-thread cost); the boot itself
// waits for the first paint, which it would otherwise delay.
const stored = findSnapshot();
let booting = null;
const begin = () => (booting ??= bootPyodide(stored));
if (globalThis.requestAnimationFrame) requestAnimationFrame(() => setTimeout(begin, 0));
else begin();

// What PyScript calls (see pyscript.toml). It passes the page's stdout/stderr, and
// packages only when pyscript.toml lists some: this Space lists none (offline, no
// micropip; wheels go in [files]), so asking for packages is a setup error.
export async function loadPyodide({ stdout, stderr, packages } = {}) {
  if (packages && packages.length) {
    throw new Error("pyodide-loader.mjs installs no packages: vendor the wheel and list it under [files] in pyscript.toml");
  }
  const py = await begin();
  if (stdout) py.setStdout({ batched: stdout });
  if (stderr) py.setStderr({ batched: stderr });
  return py;
}
