// Baseline B0: only loadPyodide() from the same vendored files, then one line of Python.
import { loadPyodide } from "/static_site/vendor/pyodide-314.0.7/pyodide.mjs";

const py = await loadPyodide({ indexURL: "/static_site/vendor/pyodide-314.0.7/" });
document.getElementById("out").textContent = py.runPython("import sys; sys.version.split()[0]");
performance.mark("b0:ready");
