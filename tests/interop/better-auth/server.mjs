// A real Better Auth server for authgate's interop tests.
//
// Listens on 127.0.0.1 on a free port, then prints exactly one line to stdout:
//   READY {"port":N,"baseURL":"http://127.0.0.1:N"}
// Exits when stdin closes (the test process died or dropped its handle) or on SIGTERM/SIGINT.
//
// Environment:
//   BETTER_AUTH_SECRET  secret (default: a fixed test string, >= 32 chars)
//   BA_JWT_ALG          jwt plugin key algorithm: EdDSA (default), ES256, ES512, RS256, PS256.
//                       Unset means the plugin's own defaults (no keyPairConfig at all).
import { betterAuth } from "better-auth";
import { memoryAdapter } from "better-auth/adapters/memory";
import { toNodeHandler } from "better-auth/node";
import { bearer, jwt } from "better-auth/plugins";
import { listenOnLoopback, serveUntilStdinCloses } from "../shared/loopback.mjs";

const KEY_PAIR_CONFIGS = {
  EdDSA: { alg: "EdDSA", crv: "Ed25519" },
  ES256: { alg: "ES256" },
  ES512: { alg: "ES512" },
  RS256: { alg: "RS256" },
  PS256: { alg: "PS256" },
};

function fail(message) {
  process.stderr.write(`better-auth interop server: ${message}\n`);
  process.exit(1);
}

const secret =
  process.env.BETTER_AUTH_SECRET || "authgate-interop-test-secret-0123456789abcdef";
if (secret.length < 32) fail("BETTER_AUTH_SECRET must be at least 32 characters");

const algEnv = process.env.BA_JWT_ALG;
let jwtOptions;
if (algEnv) {
  const keyPairConfig = KEY_PAIR_CONFIGS[algEnv];
  if (!keyPairConfig) {
    fail(`unsupported BA_JWT_ALG=${algEnv} (expected one of ${Object.keys(KEY_PAIR_CONFIGS).join(", ")})`);
  }
  jwtOptions = { jwks: { keyPairConfig } };
}

// Listen first: the base URL (and so iss/aud) must carry the real port.
const { server, port, origin: baseURL } = await listenOnLoopback();

const auth = betterAuth({
  baseURL,
  secret,
  // The memory adapter needs every table the core and the jwt plugin use.
  database: memoryAdapter({ user: [], session: [], account: [], verification: [], jwks: [] }),
  emailAndPassword: { enabled: true },
  plugins: [jwt(jwtOptions), bearer()],
  trustedOrigins: [baseURL],
  // Tests sign up many users quickly; never rate-limit them. No telemetry (no network).
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
});

server.on("request", toNodeHandler(auth));

// The jwt plugin makes its signing key on the first JWKS read; made here, before READY, a
// start that node 20 deadlocks in (see ../shared/keys.mjs: jose exports the new key) is one
// the test harness sees and starts again, not a request that times out.
await auth.api.getJwks();

serveUntilStdinCloses(server, { port, baseURL });
