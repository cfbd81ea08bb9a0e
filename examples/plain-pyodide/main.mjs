// The example's loader: Pyodide with plain loadPyodide() (no PyScript, no CDN), the wheels that
// wheels.json lists unpacked into site-packages (offline there is no micropip and no
// loadPackage for them: a wheel is a zip, so pyodide.unpackArchive does it), then main.py,
// whose main() wires the button. Nothing here is specific to hfsignin but the file names.
//
// scripts/example.py assembles what this needs beside it: vendor/pyodide-<version>/ (the
// project's vendored Pyodide, checked against static_site/vendor.sha256), the hfsignin wheel
// of `make build` and wheels.json naming it.
import { loadPyodide } from "./vendor/pyodide-314.0.7/pyodide.mjs";

const root = document.documentElement;

async function fetched(url) {
  const resp = await fetch(url);
  if (!resp.ok) throw new Error(`${url}: HTTP ${resp.status}`);
  return resp;
}

// The wheels as bytes, fetched while Pyodide boots.
async function wheels() {
  const names = await (await fetched("./wheels.json")).json();
  return Promise.all(names.map(async (name) => (await fetched(new URL(name, import.meta.url))).arrayBuffer()));
}

async function start() {
  const [pyodide, archives, source] = await Promise.all([
    loadPyodide(), // indexURL: the folder pyodide.mjs was imported from
    wheels(),
    fetched("./main.py").then((resp) => resp.text()),
  ]);
  const sitePackages = pyodide.runPython("import site; site.getsitepackages()[0]");
  for (const archive of archives) pyodide.unpackArchive(archive, "zip", { extractDir: sitePackages });
  const scope = pyodide.globals.get("dict")();
  pyodide.runPython(source, { globals: scope, filename: "main.py" });
  const main = scope.get("main");
  try {
    await main(); // main.py's own failures are sentences on the page; this only sees a broken start
  } finally {
    main.destroy();
    scope.destroy();
  }
}

start().catch((error) => {
  root.dataset.state = "failed";
  document.getElementById("status").textContent = "Python could not start in this page. Reload it to try again.";
  console.error("plain-pyodide example: Python could not start:", error);
});
