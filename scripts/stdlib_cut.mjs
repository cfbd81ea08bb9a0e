// Which members of Pyodide's python_stdlib.zip the Space's Python needs: the files of
// every module a fresh interpreter has loaded once it has imported WARM (scripts/snapshot.mjs).
//
//   node scripts/stdlib_cut.mjs PYODIDE_DIR      prints them, a JSON list of member names
//
// Run by scripts/vendor.py at set-up, which writes the trimmed zip from them (and the
// snapshot is then made from that zip). The interpreter boots from the full library.
import { boot, warm } from "./snapshot.mjs";

const [dir] = process.argv.slice(2);
if (!dir) {
  console.error("usage: node scripts/stdlib_cut.mjs PYODIDE_DIR");
  process.exit(2);
}
const py = await boot(dir);
warm(py, false);
// A package's file is its __init__.py; a module found elsewhere (built in, a wheel) has no file in the zip.
const members = py.runPython(`
import json, sys
zips = [entry for entry in sys.path if entry.endswith(".zip")]
assert len(zips) == 1, zips
files = {getattr(module, "__file__", None) for module in list(sys.modules.values())}
json.dumps(sorted(f[len(zips[0]) + 1:] for f in files if isinstance(f, str) and f.startswith(zips[0] + "/")))
`);
process.stdout.write(members + "\n");
