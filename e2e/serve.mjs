// A static file server for the built playground (dist/) on a free
// loopback port, shared by the end-to-end test and the wasm bench.
import http from "node:http";
import fs from "node:fs";
import path from "node:path";

const MIME = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".wasm": "application/wasm",
  ".css": "text/css",
  ".json": "application/json",
};

/// Serves `dist`; `route(pathname)` may map a request to another file
/// (returns a path, or undefined for dist). Resolves to the server.
export function serve(dist, route = () => undefined) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    let file = route(url.pathname);
    if (file === undefined) {
      file = path.join(dist, decodeURIComponent(url.pathname));
      if (!file.startsWith(dist)) { res.writeHead(403).end(); return; }
      if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, "index.html");
    }
    fs.readFile(file, (err, data) => {
      if (err) { res.writeHead(404).end(); return; }
      res.writeHead(200, { "content-type": MIME[path.extname(file)] || "application/octet-stream" });
      res.end(data);
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}
