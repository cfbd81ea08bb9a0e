// Makes a Pyodide memory snapshot for pyodide-loader.mjs, in a throwaway
// interpreter that imports standard library modules and nothing else.
import { loadPyodide } from "./vendor/pyodide-314.0.7/pyodide.mjs";

self.onmessage = async ({ data }) => {
  try {
    const py = await loadPyodide({ indexURL: data.indexURL, _makeSnapshot: true });
    py.runPython(data.warm.map((name) => `import ${name}`).join("\n"));
    const bytes = py.makeMemorySnapshot();
    self.postMessage({ ok: true, bytes }, [bytes.buffer]);
  } catch (e) {
    self.postMessage({ ok: false });
  }
};
