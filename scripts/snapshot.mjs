// Makes the Pyodide memory snapshot the Space restores instead of booting
// Python from scratch (about half a second instead of two to three).
//
//   node scripts/snapshot.mjs PYODIDE_DIR STDLIB_ZIP OUT.bin
//
// Run by scripts/vendor.py at set-up, on the vendored (checked) runtime and the
// trimmed standard library it made (STDLIB_ZIP, which the page serves as the
// interpreter's python_stdlib.zip). The interpreter is a throwaway that imports
// standard library modules and nothing else: no page, no DOM, no storage, no
// visitor. References to JavaScript globals (fetch, AbortController…) are kept by
// name and looked up again in the browser that restores it.
import { realpathSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

// The standard library the Space's Python imports: the snapshot holds these imported and the
// trimmed standard library (scripts/stdlib_cut.mjs) keeps what they load.
//
// IMPORTED is what an AST scan of the browser's Python finds: py/hfsignin/ (not its starter),
// py/space_app/, the pyodide-http wheel, PyScript's own Python (embedded in its core module) and
// scripts/_hfsignin_fullstdlib.py. tests/unit/test_stdlib_cut.py repeats the scan and fails when
// this list and the code disagree.
export const IMPORTED = [
  "__future__", "asyncio", "base64", "collections", "collections.abc", "dataclasses", "datetime",
  "email.parser", "functools", "hashlib", "hmac", "html", "http.client", "importlib", "importlib.abc",
  "importlib.machinery", "inspect", "io", "json", "math", "pyodide.ffi", "re", "secrets", "sys", "time",
  "traceback", "typing", "urllib.error", "urllib.parse", "urllib.request",
];
// What the page loads where no scan of an import statement sees it.
export const UNSEEN = [
  "encodings.cp437", // zipfile decodes the names in the wheels PyScript unpacks (pyscript.toml [files] "./*")
  "encodings.iso8859_15", // pyodide-http reads a synchronous XMLHttpRequest's body as ISO-8859-15 text
  "pathlib", // PyScript writes its own Python package to the file system with generated Python code
];
export const WARM = [...IMPORTED, ...UNSEEN];

// Imports WARM in a fresh interpreter; the module _hfsignin_fullstdlib only where the library has it.
export function warm(py, fullstdlib) {
  py.runPython([...WARM, ...(fullstdlib ? ["_hfsignin_fullstdlib"] : [])].map((name) => `import ${name}`).join("\n"));
}

export async function boot(dir, options = {}) {
  const indexURL = pathToFileURL(dir.endsWith("/") ? dir : dir + "/").href;
  const { loadPyodide } = await import(new URL("pyodide.mjs", indexURL).href);
  // The browser's defaults (pyodide.mjs sets the same HOME); nothing of this machine's environment.
  return loadPyodide({ indexURL: dir, env: { HOME: "/home/pyodide" }, ...options });
}

const invoked = process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
if (invoked) {
  const [dir, stdlib, out] = process.argv.slice(2);
  if (!dir || !stdlib || !out) {
    console.error("usage: node scripts/snapshot.mjs PYODIDE_DIR STDLIB_ZIP OUT.bin");
    process.exit(2);
  }
  // Node's loadPyodide reads a local path given as stdLibURL; the page serves the same bytes.
  const py = await boot(dir, { stdLibURL: realpathSync(stdlib), _makeSnapshot: true });
  warm(py, true);
  writeFileSync(out, py.makeMemorySnapshot());
}
