// PyScript's `interpreter` (see pyscript.toml): Pyodide, restored from the
// build's memory snapshot when it verifies (about half a second instead of two
// to three), booted normally otherwise.
//
// The snapshot is made at set-up from the vendored runtime (scripts/snapshot.mjs)
// and described by static_site/snapshot.json: its file and SHA-256 digests. This
// module restores only bytes whose digest matches that served file. Cache Storage
// keeps a decompressed copy for later visits, but a copy is checked against the
// same digest each time: any script of this origin can write Cache Storage, so
// nothing read from there is trusted on its own.
//
// Kill switch: a boot through the snapshot that never reached "Python ready" (the
// tab crashed or hung) is remembered in localStorage, and later boots of that same
// snapshot boot normally instead; a new build's snapshot is tried again.
//
// Cache Storage, localStorage and Web Locks are optional: a frame with third-party
// storage blocked is refused all three (SecurityError, in Chromium and Firefox). There
// the snapshot is downloaded and checked against its digest on every boot, no copy is
// kept and there is no kill switch (runtime.copies says "refused").
import { loadPyodide as boot, version } from "./vendor/pyodide-314.0.7/pyodide.mjs";

export { version };

const INDEX_URL = new URL("./vendor/pyodide-314.0.7/", import.meta.url).href;
const MANIFEST_URL = new URL("./snapshot.json", import.meta.url).href;
const FORMAT = 1;
const CACHE = "hfsignin-pyodide-snapshots";
const PENDING = "hfsignin:snapshot-boot:"; // + a tab's id: a snapshot boot under way (or dead)
const FAILED = "hfsignin:snapshot-failed"; // the digest of a snapshot that once never reached ready

const runtime = { boot: "pending", snapshot: "none", copies: "unknown", wasmBytes: () => 0 };
globalThis.hfsigninRuntime = runtime;

// Boot progress for boot.js's watchdog: each step, and the snapshot's bytes as they arrive.
function progress(step) {
  dispatchEvent(new CustomEvent("hfsignin:boot", { detail: step }));
}

function storageGet(key) {
  try { return localStorage.getItem(key); } catch (e) { return null; }
}
function storageSet(key, value) {
  try { if (value === null) localStorage.removeItem(key); else localStorage.setItem(key, value); } catch (e) { /* optional */ }
}

async function sha256(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function manifest() {
  const resp = await fetch(MANIFEST_URL, { cache: "no-cache", credentials: "same-origin" });
  if (!resp.ok) return null; // no snapshot in this build
  const meta = await resp.json();
  const valid = meta && meta.format === FORMAT && meta.pyodide === version &&
    /^[0-9a-f]{64}$/.test(meta.sha256) && /^[0-9a-f]{64}$/.test(meta.gz_sha256) &&
    typeof meta.url === "string" && /^vendor\/snapshot\/[\w.-]+\.bin\.gz$/.test(meta.url);
  return valid ? meta : null;
}

// This origin's Cache Storage for the copies, or null when the browser refuses it.
async function copies() {
  if (runtime.copies === "refused") return null;
  try {
    const cache = await caches.open(CACHE);
    runtime.copies = "available";
    return cache;
  } catch (e) {
    runtime.copies = "refused";
    return null;
  }
}

async function dropCopies() {
  if (runtime.copies === "refused") return;
  try { await caches.delete(CACHE); } catch (e) { /* nothing to drop */ }
}

// A snapshot boot that ended without reaching ready: its tab released the lock it held.
async function rememberDeadBoots() {
  const keys = [];
  try {
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (key && key.startsWith(PENDING)) keys.push(key);
    }
  } catch (e) { return; }
  if (!keys.length) return;
  let held = new Set();
  try { held = new Set(((await navigator.locks.query()).held || []).map((lock) => lock.name)); } catch (e) { /* none known */ }
  for (const key of keys) {
    if (held.has(key)) continue; // another tab is booting right now
    const digest = storageGet(key);
    storageSet(key, null);
    if (digest) storageSet(FAILED, digest);
  }
}

// The decompressed copy kept from an earlier visit, if its digest matches.
async function cachedCopy(meta) {
  runtime.source = "copy";
  const cache = await copies();
  if (!cache) return null;
  try {
    const resp = await cache.match(meta.sha256);
    if (!resp) return null;
    const bytes = new Uint8Array(await resp.arrayBuffer());
    if (bytes.length === meta.bytes && await sha256(bytes) === meta.sha256) return bytes;
    console.warn("hfsignin: a stored Pyodide snapshot did not match this build's digest; dropped");
    runtime.snapshot = "refused";
    await dropCopies();
  } catch (e) { /* unreadable: download */ }
  return null;
}

// The build's file, checked before it is decompressed.
async function download(meta) {
  runtime.source = "download";
  const resp = await fetch(new URL(meta.url, MANIFEST_URL).href, { credentials: "same-origin" });
  if (!resp.ok || !resp.body) throw new Error(`HTTP ${resp.status}`);
  const reader = resp.body.getReader();
  const chunks = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.length;
    progress(`snapshot ${received}`);
  }
  const body = new Uint8Array(received);
  let at = 0;
  for (const chunk of chunks) { body.set(chunk, at); at += chunk.length; }
  // Some hosts send a .gz with Content-Encoding: gzip, and fetch then unpacks it.
  const unpacked = received === meta.bytes;
  if (await sha256(body) !== (unpacked ? meta.sha256 : meta.gz_sha256)) {
    runtime.snapshot = "refused";
    throw new Error("the file does not match this build's digest");
  }
  const bytes = unpacked ? body : new Uint8Array(await new Response(
    new Blob([body]).stream().pipeThrough(new DecompressionStream("gzip"))).arrayBuffer());
  if (bytes.length !== meta.bytes) throw new Error("unexpected size");
  keepCopy(meta, bytes);
  return bytes;
}

async function keepCopy(meta, bytes) {
  if (runtime.copies === "refused") return;
  try {
    await dropCopies();
    const cache = await copies();
    if (cache) await cache.put(meta.sha256, new Response(bytes, { headers: { "Content-Type": "application/octet-stream" } }));
  } catch (e) { /* optional: the next visit downloads it again */ }
}

// The snapshot this build serves and this browser may use: its manifest, and its
// verified bytes as a promise (read and checked while Pyodide's own files load).
async function snapshotPlan() {
  if (!globalThis.crypto?.subtle || !globalThis.DecompressionStream) return null;
  await rememberDeadBoots();
  const meta = await manifest().catch(() => null);
  if (!meta) return null;
  if (storageGet(FAILED) === meta.gz_sha256) {
    runtime.snapshot = "switched-off";
    await dropCopies();
    return null;
  }
  const bytes = cachedCopy(meta).then((cached) => cached || download(meta));
  bytes.catch(() => {}); // the boot awaits it; never an unhandled rejection
  return { meta, bytes };
}

// Until Python is ready this tab holds a Web Lock named after its pending mark; if
// the tab dies first, the mark outlives the lock and the next boot knows.
function watchSnapshotBoot(meta) {
  const key = PENDING + Math.random().toString(36).slice(2);
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  try {
    navigator.locks.request(key, () => { storageSet(key, meta.gz_sha256); return held; }).catch(() => {});
  } catch (e) {
    storageSet(key, meta.gz_sha256); // no Web Locks: a mark left behind always counts as a failure
  }
  const root = document.documentElement;
  const observer = new MutationObserver(() => { if (root.dataset.python === "ready") settle(false); });
  const onFailed = () => settle(true);
  function settle(failed) {
    observer.disconnect();
    removeEventListener("hfsignin:boot-failed", onFailed);
    storageSet(key, null);
    if (failed) { storageSet(FAILED, meta.gz_sha256); dropCopies(); }
    release();
  }
  observer.observe(root, { attributes: true, attributeFilter: ["data-python"] });
  addEventListener("hfsignin:boot-failed", onFailed);
  // Leaving the page (reload, navigation, closing the tab) is no failure; a crash runs nothing.
  addEventListener("pagehide", () => storageSet(key, null), { once: true });
  return settle;
}

function finish(py, how) {
  performance.mark("hfsignin:interpreter");
  runtime.boot = how;
  runtime.wasmBytes = () => py._module.HEAP8.byteLength;
  document.documentElement.dataset.pythonBoot = how;
  progress(`booted ${how}`);
  return py;
}

async function bootPyodide(planned) {
  const plan = await planned.catch(() => null); // the manifest: one small request
  if (plan) {
    // Pyodide starts fetching and compiling its wasm at once and only then waits for these bytes,
    // which are read and checked meanwhile. A refused snapshot becomes zeros of the same size,
    // which Pyodide refuses to restore (no magic number) before anything in them runs.
    let refusal = null;
    const bytes = plan.bytes.then((b) => {
      performance.mark("hfsignin:snapshot-verified");
      runtime.snapshot = "verified";
      progress("snapshot verified");
      return b;
    }, (e) => {
      refusal = e;
      return new Uint8Array(plan.meta.bytes);
    });
    runtime.boot = "restoring";
    const settle = watchSnapshotBoot(plan.meta);
    try {
      return finish(await boot({ indexURL: INDEX_URL, _loadSnapshot: bytes }), "snapshot");
    } catch (e) {
      if (refusal) console.warn(`hfsignin: the Pyodide snapshot was not used (${refusal.message}); booting normally`);
      else console.warn("hfsignin: the Pyodide snapshot could not be restored; booting normally");
      settle(!refusal);
    }
  }
  try {
    return finish(await boot({ indexURL: INDEX_URL }), "normal");
  } catch (e) {
    dispatchEvent(new Event("hfsignin:boot-failed")); // boot.js says so on the page
    throw e;
  }
}

// Booting starts when this module is imported, not when PyScript asks for it:
// boot.js imports it first, so Pyodide loads while PyScript does. The snapshot is
// looked up and checked at once (fetch, Cache Storage and WebCrypto work off the
// main thread) while Pyodide's JavaScript half loads; the boot itself waits for the
// first paint, which it would delay.
const planned = snapshotPlan();
import(`${INDEX_URL}pyodide.asm.mjs`).catch(() => {}); // loadPyodide's next import, fetched meanwhile
let booting = null;
const begin = () => (booting ??= bootPyodide(planned));
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
