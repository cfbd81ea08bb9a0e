// PyScript's `interpreter` (see pyscript.toml): Pyodide, with as few bytes as a first
// visit on an ordinary link can have, and as fast as a returning visitor's can be.
//
// Two ways to boot, chosen per boot:
//   - "plain": Pyodide fetches its own pyodide.asm.wasm and pyodide.asm.mjs (the browser
//     keeps their compiled code for the next boot, keyed on those URLs) and the build's
//     memory snapshot is restored (about half a second instead of one to three). Taken when
//     both files are already in the HTTP cache (a returning visitor), or when the link is
//     fast enough to bring the snapshot's 6.6 MB in SNAPSHOT_PAYS_MS (loopback, fibre).
//   - "compressed": on a slower link, the page downloads gzip files (static_site/runtime.json,
//     written at set-up) and unpacks them with DecompressionStream, whether or not the host
//     compresses: pyodide.asm.wasm.gz (3.5 MB for 9.6), unpacked as it arrives and handed to
//     Pyodide's own `fetch(indexURL + "pyodide.asm.wasm")`, which compiles it as it streams;
//     pyodide.asm.mjs.gz imported from a blob: URL (the page's policy allows blob: scripts;
//     it already allows eval). Python boots normally, without the snapshot, unless a checked
//     copy of it is kept; once the page has been ready PREFETCH_AFTER_MS, the plain files and
//     the snapshot are fetched in the background for the next page (the return from a
//     redirect sign-in, a later visit), which then boots "plain".
// Both use the standard library cut to what the app imports (the snapshot is made from it;
// an import it lacks loads the whole library, see _hfsignin_fullstdlib.py in it), served to
// Pyodide's `fetch(indexURL + "python_stdlib.zip")`. `fetch` is wrapped for those two URLs
// only, while Pyodide boots. The link is judged on the boot's first downloads (the cut
// library and the module, 1.1 MB): whether they end in time, and came over the network
// rather than from the HTTP cache (Resource Timing's transferSize).
//
// Every file the page unpacks is checked against the build's digest first, except the
// wasm, which streams (as Pyodide's own fetch would: the HTTP cache it comes from is not
// writable by scripts). Without runtime.json or DecompressionStream, Pyodide fetches its
// plain files itself, with its full standard library, and without the snapshot.
//
// The snapshot (static_site/snapshot.json) is restored only from bytes whose digest matches
// that served file. Cache Storage keeps a decompressed copy for later visits, checked
// against the same digest each time: any script of this origin can write Cache Storage,
// so nothing read there is trusted on its own.
//
// Progress: every byte the boot downloads is counted and announced as `hfsignin:download`
// {received, expected} (boot.js draws it); each step as `hfsignin:boot`.
//
// Kill switch: a boot through the snapshot that never reached "Python ready" (the
// tab crashed or hung) is remembered in localStorage, and later boots of that same
// snapshot boot normally instead; a new build's snapshot is tried again.
//
// Cache Storage, localStorage and Web Locks are optional: a frame with third-party
// storage blocked is refused all three (SecurityError, in Chromium and Firefox). There
// no copy is kept and there is no kill switch (runtime.copies says "refused").
import { loadPyodide as boot, version } from "./vendor/pyodide-314.0.7/pyodide.mjs";

export { version };

const INDEX_URL = new URL("./vendor/pyodide-314.0.7/", import.meta.url).href;
const STATIC_URL = new URL("./", import.meta.url).href;
const RUNTIME_URL = new URL("./runtime.json", import.meta.url).href;
const MANIFEST_URL = new URL("./snapshot.json", import.meta.url).href;
const RUNTIME_FORMAT = 1;
const FORMAT = 1;
const CACHE = "hfsignin-pyodide-snapshots";
const PENDING = "hfsignin:snapshot-boot:"; // + a tab's id: a snapshot boot under way (or dead)
const FAILED = "hfsignin:snapshot-failed"; // the digest of a snapshot that once never reached ready
// The snapshot saves about 1-2 s of start-up (less on a fast machine): downloading it pays
// when the link brings its 6.6 MB in about that time (≥ 35 Mbit/s).
const SNAPSHOT_PAYS_MS = 1500;
const PREFETCH_AFTER_MS = 15000;

// What this boot did, for tests and the curious: boot normal|snapshot, files original|plain|
// compressed, stdlib full|cut, snapshot none|verified|refused|switched-off|deferred|prefetching|prefetched.
const runtime = { boot: "pending", snapshot: "none", copies: "unknown", files: "pending", stdlib: "full", wasmBytes: () => 0 };
globalThis.hfsigninRuntime = runtime;

function progress(step) {
  dispatchEvent(new CustomEvent("hfsignin:boot", { detail: step }));
}

// -- bytes on the wire: counted for the progress bar and to judge the link ------------
const meter = {
  received: 0, expected: 0, open: 0, started: 0, last: 0, listeners: [], urls: [],
  expect(bytes) { this.expected += bytes; this.announce(true); },
  opened() { this.open += 1; this.started ||= performance.now(); },
  closed() {
    this.open -= 1;
    this.add(0);
    if (!this.open) this.announce(true); // the last event says received === expected
  },
  add(bytes) {
    this.received += bytes;
    if (this.received > this.expected) this.expected = this.received; // a host that unpacked a .gz
    this.announce(false);
    for (const fn of this.listeners.splice(0)) fn();
  },
  announce(force) {
    const now = performance.now();
    if (!force && now - this.last < 100 && this.received < this.expected) return;
    this.last = now;
    dispatchEvent(new CustomEvent("hfsignin:download", { detail: { received: Math.round(this.received), expected: Math.round(this.expected) } }));
  },
  // Whether the link brings `bytes` more within SNAPSHOT_PAYS_MS, judged on this boot's
  // downloads: true when they all end in time to show it, false as soon as they cannot.
  async fastEnough(bytes) {
    const deadline = this.started + SNAPSHOT_PAYS_MS * this.expected / bytes;
    const timer = new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - performance.now())));
    let late = false;
    timer.then(() => { late = true; for (const fn of this.listeners.splice(0)) fn(); });
    while (this.open > 0 && !late) await new Promise((resolve) => this.listeners.push(resolve));
    const ms = Math.max(1, performance.now() - this.started);
    runtime.linkRate = Math.round(this.received / ms * 1000); // bytes a second, for the curious
    return !late && this.open === 0 && this.crossedTheNetwork();
  },
  // Files the HTTP cache gave (a revisit) say nothing of the link: most bytes must have come
  // over it (Resource Timing's transferSize is 0 for a cache hit, a few hundred for a 304).
  crossedTheNetwork() {
    const moved = this.urls.reduce((sum, url) =>
      sum + performance.getEntriesByName(url).reduce((n, e) => n + (e.transferSize || 0), 0), 0);
    return moved >= this.received / 2;
  },
};

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

const HEX64 = /^[0-9a-f]{64}$/;
function fileEntry(entry, pattern) {
  return entry && typeof entry.url === "string" && pattern.test(entry.url) && HEX64.test(entry.sha256) &&
    HEX64.test(entry.gz_sha256) && Number.isSafeInteger(entry.bytes) && Number.isSafeInteger(entry.gz_bytes);
}

// runtime.json: the compressed files this build serves, or null (then Pyodide's own plain files).
async function runtimeManifest() {
  if (!globalThis.DecompressionStream || !globalThis.crypto?.subtle) return null;
  try {
    const resp = await fetch(RUNTIME_URL, { cache: "no-cache", credentials: "same-origin" });
    if (!resp.ok) return null;
    const meta = await resp.json();
    const dir = /^vendor\/pyodide-[\w.]+\/[\w.-]+\.gz$/;
    const f = meta && meta.files;
    const valid = meta.format === RUNTIME_FORMAT && meta.pyodide === version && f &&
      fileEntry(f["pyodide.asm.wasm"], dir) && fileEntry(f["pyodide.asm.mjs"], dir) && fileEntry(f["python_stdlib.zip"], dir) &&
      meta.full_stdlib && typeof meta.full_stdlib.url === "string" && /^vendor\/pyodide-[\w.]+\/python_stdlib\.zip$/.test(meta.full_stdlib.url);
    return valid ? meta : null;
  } catch (e) {
    return null;
  }
}

// A response's body, counted as it arrives, in a stream that never holds the network back
// (its queue takes every chunk at once, whoever reads it and whenever). A host that sends a
// .gz with Content-Encoding: gzip has it unpacked by fetch: its bytes count as the wire's.
function counted(resp, entry) {
  const wire = resp.headers.get("Content-Encoding") ? entry.gz_bytes / entry.bytes : 1;
  let seen = 0;
  const reader = resp.body.getReader();
  return new ReadableStream({
    async start(controller) {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          seen += value.length * wire;
          meter.add(value.length * wire);
          controller.enqueue(value);
        }
        if (wire !== 1) meter.add(entry.gz_bytes - seen); // the scaled count made exact
        controller.close();
      } catch (e) {
        controller.error(e);
      } finally {
        meter.closed();
      }
    },
  });
}

// The stream unpacked when it is gzip (a host may already have unpacked a .gz it sent
// with Content-Encoding: gzip, and fetch then did): decided on its first two bytes.
async function gunzipped(stream) {
  const reader = stream.getReader();
  const { done, value } = await reader.read();
  const first = done ? new Uint8Array(0) : value;
  const whole = new ReadableStream({
    start(controller) { if (first.length) controller.enqueue(first); },
    async pull(controller) {
      const next = await reader.read();
      if (next.done) controller.close(); else controller.enqueue(next.value);
    },
  });
  const gzip = first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b;
  return gzip ? whole.pipeThrough(new DecompressionStream("gzip")) : whole;
}

async function download(entry) {
  const url = entry.url;
  const count = !entry.background; // a prefetch for the next page is no part of this boot
  const absolute = new URL(url, STATIC_URL).href;
  if (count) { meter.opened(); meter.urls.push(absolute); }
  let resp;
  try {
    resp = await fetch(absolute, { credentials: "same-origin", priority: count ? "auto" : "low" });
    if (!resp.ok || !resp.body) throw new Error(`HTTP ${resp.status} for ${url}`);
  } catch (e) {
    if (count) meter.closed();
    throw e;
  }
  return count ? counted(resp, entry) : resp.body;
}

async function bytesOf(stream) {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

// A small file: the whole of it, checked against the build's digest, then unpacked.
async function checkedFile(entry) {
  const body = await bytesOf(await download(entry));
  const unpacked = body.length === entry.bytes && !(body[0] === 0x1f && body[1] === 0x8b);
  if (await sha256(body) !== (unpacked ? entry.sha256 : entry.gz_sha256)) {
    throw new Error(`${entry.url} does not match this build's digest`);
  }
  const bytes = unpacked ? body : await bytesOf(new Blob([body]).stream().pipeThrough(new DecompressionStream("gzip")));
  if (bytes.length !== entry.bytes) throw new Error(`${entry.url}: unexpected size`);
  return bytes;
}

// Whether Pyodide's plain files are in this browser's HTTP cache, as far as this origin
// knows: a boot that took them marks it, and a later boot that had to download them again
// (a cache that does not keep 9.6 MB files, as a private window's) marks that instead.
const PLAIN = "hfsignin:plain-files"; // the wasm's digest, or "not-kept:" + it
function plainFilesKept(entry) {
  return storageGet(PLAIN) === entry.sha256;
}
function notePlainBoot(entry) {
  const timing = performance.getEntriesByName(INDEX_URL + "pyodide.asm.wasm").pop();
  const downloaded = timing && timing.transferSize > entry.gz_bytes / 4;
  if (plainFilesKept(entry) && downloaded) storageSet(PLAIN, "not-kept:" + entry.sha256);
  else if (storageGet(PLAIN) !== "not-kept:" + entry.sha256) storageSet(PLAIN, entry.sha256);
}

// The runtime's files, their downloads started at once: the cut standard library (checked)
// always; then "plain" or "compressed" (see the top of this file), and the snapshot when
// the link was fast. `snapshotBytes` is the snapshot's size, null when there is none to get;
// `choice` the Space's HFSIGNIN_SNAPSHOT.
async function runtimeFiles(meta, snapshotBytes, choice) {
  const f = meta.files;
  globalThis.hfsigninFullStdlib = () => fullStdlib(meta.full_stdlib.url);
  meter.expect(f["python_stdlib.zip"].gz_bytes);
  const stdlib = checkedFile(f["python_stdlib.zip"]);
  stdlib.catch(() => {}); // awaited by the boot
  if (choice === "always") return { how: "plain", fast: true, stdlib };
  if (plainFilesKept(f["pyodide.asm.wasm"])) return { how: "plain", fast: false, stdlib };
  meter.expect(f["pyodide.asm.mjs"].gz_bytes);
  const module = checkedFile(f["pyodide.asm.mjs"]).then(async (bytes) => {
    const url = URL.createObjectURL(new Blob([bytes], { type: "text/javascript" }));
    try { return (await import(url)).default; } finally { URL.revokeObjectURL(url); }
  });
  module.catch(() => {});
  const fast = snapshotBytes !== null && await meter.fastEnough(snapshotBytes);
  if (fast) return { how: "plain", fast, stdlib };
  meter.expect(f["pyodide.asm.wasm"].gz_bytes);
  const wasm = download(f["pyodide.asm.wasm"]).then(async (stream) =>
    new Response(await gunzipped(stream), { headers: { "Content-Type": "application/wasm" } }));
  wasm.catch(() => {});
  return { how: "compressed", fast, stdlib, module, wasm };
}

// What makes the next boot fast: after a compressed one, the plain files, into the HTTP
// cache; the snapshot, into Cache Storage, when none is kept; once this page has long been ready.
function prefetchLater(meta, snapshot, plainFiles) {
  if (navigator.connection?.saveData) return;
  const root = document.documentElement;
  const wasm = meta.files["pyodide.asm.wasm"];
  const start = () => setTimeout(async () => {
    if (plainFiles && storageGet(PLAIN) !== "not-kept:" + wasm.sha256) {
      try {
        for (const name of ["pyodide.asm.mjs", "pyodide.asm.wasm"]) {
          const resp = await fetch(INDEX_URL + name, { priority: "low", credentials: "same-origin" });
          if (!resp.ok) throw new Error(`HTTP ${resp.status}`);
          await resp.body.pipeTo(new WritableStream());
        }
        storageSet(PLAIN, wasm.sha256);
      } catch (e) { /* the next boot is compressed again */ }
    }
    if (snapshot && runtime.copies !== "refused") {
      runtime.snapshot = "prefetching";
      downloadSnapshot(snapshot, true).then(() => { runtime.snapshot = "prefetched"; }, () => { runtime.snapshot = "none"; });
    }
  }, PREFETCH_AFTER_MS);
  if (root.dataset.python === "ready") { start(); return; }
  const observer = new MutationObserver(() => {
    if (root.dataset.python === "ready") { observer.disconnect(); start(); }
  });
  observer.observe(root, { attributes: true, attributeFilter: ["data-python"] });
}

// The whole standard library, for an import the cut one lacks (_hfsignin_fullstdlib.py
// calls this from Python, which cannot wait): a synchronous request, bytes as text.
function fullStdlib(url) {
  const xhr = new XMLHttpRequest();
  xhr.open("GET", new URL(url, STATIC_URL).href, false);
  xhr.overrideMimeType("text/plain; charset=x-user-defined");
  xhr.send();
  if (xhr.status !== 200) throw new Error(`HTTP ${xhr.status}`);
  const text = xhr.responseText;
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
  return bytes;
}

// While Pyodide boots, its requests for the standard library (and, compressed, the wasm) are answered here.
function answeringPyodide(files) {
  const plain = globalThis.fetch;
  const answers = new Map([[INDEX_URL + "python_stdlib.zip", async () => new Response(await files.stdlib,
    { headers: { "Content-Type": "application/zip" } })]]);
  if (files.wasm) answers.set(INDEX_URL + "pyodide.asm.wasm", () => files.wasm);
  globalThis.fetch = function (input) {
    const url = input instanceof Request ? input.url : String(input);
    const answer = answers.get(url);
    if (!answer) return plain.apply(this, arguments);
    answers.delete(url); // each is answered once
    if (!answers.size) globalThis.fetch = plain;
    return answer();
  };
  return () => { globalThis.fetch = plain; };
}

// -- the snapshot ---------------------------------------------------------------------
async function manifest() {
  const resp = await fetch(MANIFEST_URL, { cache: "no-cache", credentials: "same-origin" });
  if (!resp.ok) return null; // no snapshot in this build
  const meta = await resp.json();
  const valid = meta && meta.format === FORMAT && meta.pyodide === version &&
    HEX64.test(meta.sha256) && HEX64.test(meta.gz_sha256) &&
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

// The decompressed copy kept from an earlier visit, or null: its bytes as a promise,
// checked against the build's digest (read and checked while Pyodide's files load); a copy
// that does not match is dropped and the build's file downloaded instead.
async function keptCopy(meta) {
  const cache = await copies();
  let resp = null;
  try { resp = cache && await cache.match(meta.sha256); } catch (e) { /* unreadable: none */ }
  if (!resp) return null;
  const bytes = resp.arrayBuffer().then(async (buffer) => {
    const copy = new Uint8Array(buffer);
    if (copy.length === meta.bytes && await sha256(copy) === meta.sha256) return copy;
    console.warn("hfsignin: a stored Pyodide snapshot did not match this build's digest; dropped");
    runtime.snapshot = "refused";
    await dropCopies();
    return downloadSnapshot(meta); // the build's own, checked in its turn
  });
  bytes.catch(() => {}); // awaited by the boot
  return { bytes }; // not awaited here: it is read and checked while Pyodide's files load
}

// The build's file, checked before it is decompressed, and kept.
async function downloadSnapshot(meta, background = false) {
  const entry = { url: meta.url, bytes: meta.bytes, gz_bytes: meta.gz_bytes, sha256: meta.sha256, gz_sha256: meta.gz_sha256,
                  background };
  try {
    const bytes = await checkedFile(entry);
    keepCopy(meta, bytes);
    return bytes;
  } catch (e) {
    if (/digest/.test(e.message)) runtime.snapshot = "refused";
    throw e;
  }
}

async function keepCopy(meta, bytes) {
  if (runtime.copies === "refused") return;
  try {
    await dropCopies();
    const cache = await copies();
    if (cache) await cache.put(meta.sha256, new Response(bytes, { headers: { "Content-Type": "application/octet-stream" } }));
  } catch (e) { /* optional: the next visit downloads it again */ }
}

// The snapshot this build serves and this browser may use: its manifest, and a kept copy.
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
  return { meta, copy: await keptCopy(meta) };
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
  if (runtime.stdlib === "cut") py.pyimport("_hfsignin_fullstdlib"); // what the cut library lacks, on demand
  progress(`booted ${how}`);
  return py;
}

// The Space variable HFSIGNIN_SNAPSHOT: "auto" (the default: judged per boot, as above),
// "always" (the snapshot and the plain files without judging the link: a Space whose
// visitors are on fast links, and the test suite, whose loopback a busy machine slows) or
// "never" (no snapshot).
function snapshotChoice() {
  let value = null;
  try { value = globalThis.huggingface.variables.HFSIGNIN_SNAPSHOT; } catch (e) { /* no variables */ }
  return value === "always" || value === "never" ? value : "auto";
}

async function bootPyodide(planned) {
  let [meta, plan] = await planned;
  const choice = snapshotChoice();
  if (choice === "never") plan = null;
  let files = null;
  if (meta) {
    files = await runtimeFiles(meta, plan && !plan.copy ? plan.meta.gz_bytes : null, choice);
    if (files.how === "compressed") {
      files.createPyodideModule = await files.module.catch(() => null);
      if (!files.createPyodideModule) files = null; // e.g. a policy without blob: scripts: the plain files
    }
  }
  runtime.files = files ? files.how : "original";
  runtime.stdlib = files ? "cut" : "full";
  // The snapshot is made from the cut library: only with it. A kept copy always; a download
  // when the link is fast. A refused one becomes zeros of the same size, which Pyodide
  // refuses to restore (no magic number) before anything in them runs.
  if (plan && files && plan.meta.stdlib_sha256 !== meta.files["python_stdlib.zip"].sha256) plan = null; // another build's
  const restoring = !files || !plan ? null : plan.copy ? plan.copy.bytes : files.fast ? downloadSnapshot(plan.meta) : null;
  const later = plan && !plan.copy && !restoring ? plan.meta : null; // a snapshot for the next page
  if (files && (files.how === "compressed" || later)) prefetchLater(meta, later, files.how === "compressed");
  if (later) runtime.snapshot = "deferred";
  const options = { indexURL: INDEX_URL };
  if (files?.createPyodideModule) options.createPyodideModule = files.createPyodideModule;
  if (restoring) {
    if (!plan.copy) meter.expect(plan.meta.gz_bytes);
    let refusal = null;
    const bytes = restoring.then((b) => {
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
    const plainFetch = answeringPyodide(files);
    try {
      const py = await boot({ ...options, _loadSnapshot: bytes });
      if (files.how === "plain") notePlainBoot(meta.files["pyodide.asm.wasm"]);
      return finish(py, "snapshot");
    } catch (e) {
      if (refusal) console.warn(`hfsignin: the Pyodide snapshot was not used (${refusal.message}); booting normally`);
      else console.warn("hfsignin: the Pyodide snapshot could not be restored; booting normally");
      settle(!refusal);
    } finally {
      plainFetch();
    }
    // Whatever the failed restore consumed, the plain files and the full library remain.
    files = null;
    runtime.files = "original";
    runtime.stdlib = "full";
    delete options.createPyodideModule;
  }
  const plainFetch = files ? answeringPyodide(files) : () => {};
  try {
    const py = await boot(options);
    if (files?.how === "plain") notePlainBoot(meta.files["pyodide.asm.wasm"]);
    return finish(py, "normal");
  } catch (e) {
    dispatchEvent(new Event("hfsignin:boot-failed")); // boot.js says so on the page
    throw e;
  } finally {
    plainFetch();
  }
}

// Booting starts when this module is imported, not when PyScript asks for it: boot.js
// imports it first, so Pyodide loads while PyScript does. The manifests, the kept snapshot
// and the first files are looked up at once (fetch, Cache Storage, WebCrypto and
// DecompressionStream work off the main thread); the boot itself waits for the first
// paint, which it would delay.
const planned = Promise.all([runtimeManifest(), snapshotPlan().catch(() => null)]);
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
