// The lifecycle every interop server (`tests/interop/<name>/server.mjs`) shares with the Rust
// side (`tests/support/node.rs`): listen on 127.0.0.1 on a free port, print exactly one
// `READY {json}` line to stdout once requests are handled, and exit when stdin closes (so the
// server cannot outlive the test process that started it) or on SIGTERM / SIGINT.
import { createServer } from "node:http";

// An HTTP server listening on a free loopback port, with no request handler yet: the
// application needs the real port (its issuer or base URL) before it can be built.
export async function listenOnLoopback() {
  const server = createServer();
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address();
  return { server, port, origin: `http://127.0.0.1:${port}` };
}

// Prints `READY ${JSON.stringify(ready)}` and serves until stdin closes or a signal arrives.
export function serveUntilStdinCloses(server, ready) {
  process.stdout.write(`READY ${JSON.stringify(ready)}\n`);

  let closing = false;
  function shutdown() {
    if (closing) return;
    closing = true;
    server.close(() => process.exit(0));
    server.closeAllConnections?.();
    setTimeout(() => process.exit(0), 1000).unref();
  }
  process.stdin.on("end", shutdown);
  process.stdin.on("close", shutdown);
  process.stdin.on("error", shutdown);
  process.stdin.resume();
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
}
