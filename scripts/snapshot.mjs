// Makes the Pyodide memory snapshot the Space restores instead of booting
// Python from scratch (about half a second instead of two to three).
//
//   node scripts/snapshot.mjs PYODIDE_DIR OUT.bin
//
// Run by scripts/vendor.py at set-up, on the vendored (checked) runtime. The
// interpreter is a throwaway that imports standard library modules and nothing
// else: no page, no DOM, no storage, no visitor. References to JavaScript
// globals (fetch, AbortController…) are kept by name and looked up again in
// the browser that restores it.
import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

// The standard library the app (and PyScript's own Python) imports at start.
export const WARM = [
  "asyncio", "base64", "collections.abc", "dataclasses", "datetime", "hashlib", "hmac", "html", "inspect",
  "json", "math", "re", "secrets", "time", "traceback", "typing", "urllib.parse", "urllib.request",
  "urllib.error", "pyodide.ffi", "pyodide.http",
];

const [dir, out] = process.argv.slice(2);
if (!dir || !out) {
  console.error("usage: node scripts/snapshot.mjs PYODIDE_DIR OUT.bin");
  process.exit(2);
}
const indexURL = pathToFileURL(dir.endsWith("/") ? dir : dir + "/").href;
const { loadPyodide } = await import(new URL("pyodide.mjs", indexURL).href);
// The browser's defaults (pyodide.mjs sets the same HOME); nothing of this machine's environment.
const py = await loadPyodide({ indexURL: dir, _makeSnapshot: true, env: { HOME: "/home/pyodide" } });
py.runPython(WARM.map((name) => `import ${name}`).join("\n"));
writeFileSync(out, py.makeMemorySnapshot());
