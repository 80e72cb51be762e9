// The reference side of authgate's differential test (tests/differential/mod.rs): one
// provider's own verification library deciding a corpus of valid and mutated tokens.
//
//   node server.mjs <provider> <ALG,ALG,...> <user claim> [jwks]
//
// `jwks` (Clerk only): keys from a JWKS instead of the PEM key, fetched by @clerk/backend from
// its Backend API, whose URL (`apiUrl`) is this loopback server.
//
// Generates keys, serves them on 127.0.0.1 as the provider would (a JWKS, OIDC discovery) and
// prints one line:
//   READY {"port":N,"env":{...the generated server's settings...},"library":"..."}
// On the first GET /cases it builds the corpus, decides every token with the library configured
// as the provider documents, and answers (the same list on every later request):
//   [{name, token, user, library: "accept"|"refuse", library_reason, header, payload}]
// `user` is the user id to put in the path; `header` and `payload` are the decoded text.
// Exits when stdin closes. Nothing leaves the loopback interface.
import { constants, createHmac, sign } from "node:crypto";
import { verifyToken as clerkVerifyToken } from "@clerk/backend";
import { auth as auth0Middleware } from "express-oauth2-jwt-bearer";
import { createRemoteJWKSet, jwtVerify } from "jose";
import * as oauth from "oauth4webapi";
import { generateDetachedKeyPair } from "../shared/keys.mjs";
import { listenOnLoopback, serveUntilStdinCloses } from "../shared/loopback.mjs";

function fail(message) {
  process.stderr.write(`differential server: ${message}\n`);
  process.exit(1);
}

const [provider, algList, userClaim = "sub", keyMode = "pem"] = process.argv.slice(2);
const ALGS = (algList || "").split(",").filter(Boolean);
if (!provider || ALGS.length === 0)
  fail("usage: node server.mjs <provider> <ALG,...> [user claim] [jwks]");
const PRIMARY = ALGS[0];
const HMAC = PRIMARY.startsWith("HS");

// ---------------------------------------------------------------------------------------------
// Keys and signatures (node:crypto, so that any bytes can be signed: duplicate keys, padding...)

const bits = (alg) => (alg === "EdDSA" ? null : Number(alg.slice(2)));

function generateKey(alg) {
  if (/^(RS|PS)/.test(alg)) return generateDetachedKeyPair("rsa", { modulusLength: 2048 });
  if (alg === "EdDSA") return generateDetachedKeyPair("ed25519");
  const curve = { ES256: "P-256", ES384: "P-384", ES512: "P-521" }[alg];
  if (!curve) fail(`no key type for ${alg}`);
  return generateDetachedKeyPair("ec", { namedCurve: curve });
}

function signature(alg, input, key) {
  const data = Buffer.from(input);
  const hash = bits(alg) && `sha${bits(alg)}`;
  if (alg.startsWith("HS")) return createHmac(hash, key).update(data).digest();
  if (alg.startsWith("RS")) return sign(hash, data, key);
  if (alg.startsWith("PS")) {
    return sign(hash, data, {
      key,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: bits(alg) / 8,
    });
  }
  if (alg.startsWith("ES")) return sign(hash, data, { key, dsaEncoding: "ieee-p1363" });
  if (alg === "EdDSA") return sign(null, data, key);
  fail(`cannot sign with ${alg}`);
}

const b64u = (bytes) => Buffer.from(bytes).toString("base64url");

// One signing key per configured algorithm, each published with its kid and alg; one key of an
// algorithm the project does not accept, published too; one key nobody publishes.
const keys = {};
const secret = "authgate-differential-shared-secret-".padEnd(96, "0123456789abcdef");
if (HMAC) {
  for (const alg of ALGS) keys[alg] = { kid: `secret-${alg.toLowerCase()}`, private: secret };
} else {
  for (const alg of ALGS) {
    const pair = generateKey(alg);
    keys[alg] = {
      kid: `key-${alg.toLowerCase()}`,
      private: pair.privateKey,
      public: pair.publicKey,
    };
  }
}
const EXTRA_ALG = HMAC ? null : ["ES384", "ES256", "RS256"].find((alg) => !ALGS.includes(alg));
const extra = EXTRA_ALG && { alg: EXTRA_ALG, kid: "key-not-configured", ...pairOf(EXTRA_ALG) };
const stranger = HMAC ? { private: "an-attackers-secret-".padEnd(96, "x") } : pairOf(PRIMARY);

function pairOf(alg) {
  const pair = generateKey(alg);
  return { private: pair.privateKey, public: pair.publicKey };
}

function publicJwk(alg, kid, publicKey) {
  return { ...publicKey.export({ format: "jwk" }), kid, alg, use: "sig" };
}

const jwks = HMAC
  ? null
  : {
      keys: [
        ...ALGS.map((alg) => publicJwk(alg, keys[alg].kid, keys[alg].public)),
        publicJwk(EXTRA_ALG, extra.kid, extra.public),
      ],
    };

// ---------------------------------------------------------------------------------------------
// The provider: where its keys are, what its tokens hold, what the generated server is told,
// and its library's decision.

const { server, port, origin } = await listenOnLoopback();
const AUDIENCE = "https://api.example.com";
const CLERK_PARTY = "https://app.example.com";
// Set when the corpus is built, on the first GET /cases: the server decides the same tokens
// a moment later, so that times near a boundary (15 s past `exp`) keep their meaning.
let now = Math.floor(Date.now() / 1000);
const routes = {}; // path -> JSON body

function providerSpec() {
  switch (provider) {
    case "better-auth": {
      routes["/api/auth/jwks"] = jwks;
      const remote = createRemoteJWKSet(new URL(`${origin}/api/auth/jwks`));
      return {
        library: "jose jwtVerify + createRemoteJWKSet (Better Auth's documented verification)",
        env: { BETTER_AUTH_URL: origin },
        header: {},
        user: "alice",
        claims: (user) => ({
          sub: user,
          id: user,
          name: "Alice Example",
          email: `${user}@example.com`,
          emailVerified: false,
          iss: origin,
          aud: origin,
          iat: now,
          exp: now + 900,
        }),
        // As Better Auth's docs verify: issuer and audience are the BETTER_AUTH_URL origin.
        decide: async (token) =>
          (await jwtVerify(token, remote, { issuer: origin, audience: origin })).payload,
      };
    }
    case "auth0": {
      const domain = HMAC ? "tenant.example.com" : `127.0.0.1:${port}`;
      const issuer = `https://${domain}/`;
      let middleware;
      let env;
      if (HMAC) {
        env = { AUTH0_DOMAIN: domain, AUTH0_AUDIENCE: AUDIENCE, AUTH0_SIGNING_SECRET: secret };
        middleware = auth0Middleware({
          issuer,
          audience: AUDIENCE,
          secret,
          tokenSigningAlg: "HS256",
        });
      } else {
        const jwksUri = `${origin}/.well-known/jwks.json`;
        routes["/.well-known/jwks.json"] = jwks;
        // The tenant's metadata, as Auth0 publishes it (fetched over http on loopback only).
        routes["/.well-known/openid-configuration"] = {
          issuer,
          jwks_uri: jwksUri,
          id_token_signing_alg_values_supported: ["HS256", "RS256", "PS256"],
        };
        env = { AUTH0_DOMAIN: domain, AUTH0_AUDIENCE: AUDIENCE, JWKS_URL: jwksUri };
        middleware = auth0Middleware({
          issuerBaseURL: `${origin}/`,
          audience: AUDIENCE,
          jwksUri,
          tokenSigningAlg: PRIMARY,
        });
      }
      return {
        library: "express-oauth2-jwt-bearer auth()",
        env,
        header: { typ: "JWT" },
        user: "auth0|alice",
        claims: (user) => ({
          sub: user,
          iss: issuer,
          aud: [AUDIENCE, `${issuer}userinfo`],
          iat: now,
          exp: now + 86400,
          azp: "test-client-id",
          scope: "openid profile email",
        }),
        decide: (token) => runExpressMiddleware(middleware, token),
      };
    }
    case "clerk": {
      // Networkless with the PEM key (CLERK_JWT_KEY on both sides); or, with `jwks`, the
      // instance's JWKS: the generated server reads {issuer}/.well-known/jwks.json (the Frontend
      // API), @clerk/backend {apiUrl}/v1/jwks (the Backend API), both served here.
      const jwksMode = keyMode === "jwks";
      const issuer = jwksMode ? origin : "https://clerk.example.com";
      const pem = keys[PRIMARY].public.export({ type: "spki", format: "pem" });
      let env;
      let keyOptions;
      if (jwksMode) {
        routes["/.well-known/jwks.json"] = jwks;
        routes["/v1/jwks"] = jwks;
        env = { CLERK_ISSUER: issuer, CLERK_AUTHORIZED_PARTIES: CLERK_PARTY };
        keyOptions = { secretKey: "sk_test_authgate_differential", apiUrl: origin };
      } else {
        env = { CLERK_ISSUER: issuer, CLERK_AUTHORIZED_PARTIES: CLERK_PARTY, CLERK_JWT_KEY: pem };
        keyOptions = { jwtKey: pem };
      }
      return {
        library: jwksMode
          ? "@clerk/backend verifyToken with secretKey, its Backend API on loopback"
          : "@clerk/backend verifyToken with jwtKey (networkless)",
        env,
        header: { typ: "JWT", cat: "cl_B7d4PD111AAA" },
        user: "user_alice",
        claims: (user) => ({
          sub: user,
          iss: issuer,
          sid: "sess_alice",
          azp: CLERK_PARTY,
          iat: now,
          nbf: now - 5,
          exp: now + 300,
        }),
        decide: async (token) => {
          const { data, errors } = await clerkVerifyToken(token, {
            ...keyOptions,
            authorizedParties: [CLERK_PARTY],
          });
          if (errors) throw errors[0];
          return data;
        },
      };
    }
    case "oidc": {
      routes["/.well-known/openid-configuration"] = {
        issuer: origin,
        jwks_uri: `${origin}/jwks`,
        authorization_endpoint: `${origin}/auth`,
        token_endpoint: `${origin}/token`,
        response_types_supported: ["code"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ALGS,
      };
      routes["/jwks"] = jwks;
      let metadata;
      const insecure = { [oauth.allowInsecureRequests]: true };
      return {
        library: "oauth4webapi validateJwtAccessToken (RFC 9068)",
        env: { OIDC_ISSUER: origin, OIDC_AUDIENCE: AUDIENCE },
        header: { typ: "at+jwt" },
        user: "alice",
        claims: (user) => ({
          sub: user,
          iss: origin,
          aud: AUDIENCE,
          client_id: "test-client",
          iat: now,
          exp: now + 300,
          jti: `${user}-${now}`,
          scope: "openid",
        }),
        decide: async (token) => {
          const url = new URL(origin);
          metadata ??= await oauth.processDiscoveryResponse(
            url,
            await oauth.discoveryRequest(url, insecure),
          );
          const request = new Request(`${origin}/api`, {
            headers: { authorization: `Bearer ${token}` },
          });
          return oauth.validateJwtAccessToken(metadata, request, AUDIENCE, {
            ...insecure,
            signingAlgorithms: ALGS,
          });
        },
      };
    }
    case "shared-secret": {
      const issuer = "https://issuer.example.com";
      const key = new TextEncoder().encode(secret);
      return {
        library: "jose jwtVerify with the secret, the issuer and the audience",
        env: { JWT_SECRET: secret, JWT_ISSUER: issuer, JWT_AUDIENCE: AUDIENCE },
        header: { typ: "JWT" },
        user: "alice",
        claims: (user) => ({
          sub: user,
          [userClaim]: user,
          iss: issuer,
          aud: AUDIENCE,
          iat: now,
          exp: now + 900,
        }),
        decide: async (token) =>
          (await jwtVerify(token, key, { issuer, audience: AUDIENCE, algorithms: ALGS })).payload,
      };
    }
    default:
      fail(`unknown provider ${provider}`);
  }
}

// Runs express-oauth2-jwt-bearer's middleware on a GET request carrying the token.
function runExpressMiddleware(middleware, token) {
  const headers = { authorization: `Bearer ${token}`, host: "127.0.0.1" };
  const req = {
    headers,
    query: {},
    body: undefined,
    method: "GET",
    protocol: "http",
    url: "/api/tasks",
    originalUrl: "/api/tasks",
    get: (name) => headers[name.toLowerCase()],
    is: () => false,
  };
  return new Promise((resolve, reject) => {
    middleware(req, {}, (error) => (error ? reject(error) : resolve(req.auth.payload)));
  });
}

const spec = providerSpec();

let decided; // the promise of the decided corpus, built once
server.on("request", async (req, res) => {
  let body = routes[req.url];
  if (req.url === "/cases" && req.method === "GET") {
    decided ??= decideCorpus();
    body = await decided;
  }
  if (body === undefined) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
});

serveUntilStdinCloses(server, { port, env: spec.env, library: spec.library });

// ---------------------------------------------------------------------------------------------
// The corpus

function buildCorpus() {
  now = Math.floor(Date.now() / 1000);

  const USER = spec.user;
  const primaryKey = keys[PRIMARY];
  const baseHeader = () => ({
    alg: PRIMARY,
    ...(HMAC ? {} : { kid: primaryKey.kid }),
    ...spec.header,
  });
  const baseClaims = () => spec.claims(USER);

  // A token from a header and payload (objects, or raw JSON text / bytes), signed with `alg` and
  // `key` over the segments after `segments` has rewritten them; `post` rewrites the result.
  function build({ header = baseHeader(), payload = baseClaims(), alg, key, segments, post } = {}) {
    const encode = (part) =>
      b64u(typeof part === "string" || Buffer.isBuffer(part) ? part : JSON.stringify(part));
    let [h, p] = [encode(header), encode(payload)];
    if (segments) [h, p] = segments(h, p);
    const signingAlg =
      alg ?? (typeof header === "object" && !Buffer.isBuffer(header) ? header.alg : PRIMARY);
    const signingKey = key ?? keys[signingAlg]?.private ?? primaryKey.private;
    const sig = signingAlg === "none" ? "" : b64u(signature(signingAlg, `${h}.${p}`, signingKey));
    const token = `${h}.${p}.${sig}`;
    return post ? post(token) : token;
  }

  const corpus = []; // [name, token, user]
  const add = (name, token, user = USER) => corpus.push([name, token, user]);
  // The base claims or header with members changed; `undefined` removes a member.
  const changed = (base, change) => {
    for (const [member, value] of Object.entries(change)) {
      if (value === undefined) delete base[member];
      else base[member] = value;
    }
    return base;
  };
  const withClaims = (change) => changed(baseClaims(), change);
  const baseJsonText = () => JSON.stringify(baseClaims());
  // JSON text with `member` put first, before the same member of `json`: a duplicate name.
  const first = (json, member) =>
    `{${JSON.stringify(member[0])}:${JSON.stringify(member[1])},${json.slice(1)}`;
  const pad = (s) => s + "=".repeat((4 - (s.length % 4)) % 4);
  const toStd = (s) => s.replace(/-/g, "+").replace(/_/g, "/");
  const withHeader = (change) => changed(baseHeader(), change);

  // Valid tokens, one per algorithm, with and without kid.
  for (const alg of ALGS) {
    const header = { ...baseHeader(), alg, ...(HMAC ? {} : { kid: keys[alg].kid }) };
    add(`valid/${alg}`, build({ header }));
    if (!HMAC) add(`kid/${alg}/absent`, build({ header: { ...header, kid: undefined } }));
    else add(`kid/${alg}/any-with-a-secret`, build({ header: { ...header, kid: "any" } }));
  }
  add("valid/other-user", build({ payload: spec.claims(`${USER}-2`) }), `${USER}-2`);
  // Every algorithm, not only the first: the same signature, key and time checks.
  for (const alg of ALGS) {
    const header = { ...baseHeader(), alg, ...(HMAC ? {} : { kid: keys[alg].kid }) };
    const good = build({ header });
    const [h, p, sig] = good.split(".");
    add(`sig/${alg}/bit-flipped`, `${h}.${p}.${sig[0] === "A" ? "B" : "A"}${sig.slice(1)}`);
    add(
      `sig/${alg}/of-another-payload`,
      `${h}.${b64u(JSON.stringify(spec.claims(`${USER}-2`)))}.${sig}`,
      `${USER}-2`,
    );
    add(
      `exp/${alg}/past-120s`,
      build({ header, payload: withClaims({ exp: now - 120, iat: now - 600, nbf: undefined }) }),
    );
    add(
      `iss/${alg}/other`,
      build({ header, payload: withClaims({ iss: "https://evil.example.com" }) }),
    );
    add(`crit/${alg}`, build({ header: { ...header, crit: ["exp"], exp: 1 } }));
    add(`cnf/${alg}`, build({ header, payload: withClaims({ cnf: { jkt: "x" } }) }));
    if (HMAC) {
      add(`sig/${alg}/other-secret`, build({ header, key: stranger.private }));
    } else {
      add(`sig/${alg}/other-key`, build({ header, key: pairOf(alg).private }));
      for (const other of ALGS.filter((a) => a !== alg)) {
        add(
          `kid/${alg}/of-the-${other}-key`,
          build({ header: { ...header, kid: keys[other].kid } }),
        );
        // This algorithm's signature, labelled as another accepted one (RS256 <-> PS256).
        add(`alg/${alg}/relabelled-${other}`, build({ header: { ...header, alg: other }, alg }));
        add(
          `alg/${alg}/relabelled-${other}-with-its-kid`,
          build({ header: { ...header, alg: other, kid: keys[other].kid }, alg }),
        );
      }
      const pem = keys[alg].public.export({ type: "spki", format: "pem" });
      add(
        `alg/${alg}/HS256-with-its-public-key`,
        build({ header: { ...header, alg: "HS256" }, alg: "HS256", key: pem }),
      );
      add(`kid/${alg}/unknown`, build({ header: { ...header, kid: `${header.kid}-old` } }));
    }
    add(
      `dup/${alg}/payload-sub`,
      build({ header, payload: first(baseJsonText(), [userClaim, `${USER}-2`]) }),
    );
    add(
      `b64/${alg}/payload-padded-or-standard`,
      build({
        header,
        payload: withClaims({ pad: "\u00ff\u00fe\u00fb>>>???" }),
        segments: (h, p) => [h, toStd(pad(p))],
      }),
    );
  }

  add(
    "valid/extra-claims",
    build({ payload: withClaims({ role: "admin", nested: { a: [1, 2] } }) }),
  );

  // Registered (and provider) claims: absent, null, of the wrong type.
  const stringClaims = [
    "iss",
    "sub",
    userClaim,
    ...({ clerk: ["azp", "sid"], oidc: ["jti", "client_id"], auth0: ["azp"] }[provider] ?? []),
  ];
  const numericClaims = ["exp", "nbf", "iat"];
  const present = Object.keys(baseClaims());
  for (const claim of new Set([...stringClaims, ...numericClaims, "aud", "nbf"])) {
    const name = `claim/${claim}`;
    if (present.includes(claim))
      add(`${name}/missing`, build({ payload: withClaims({ [claim]: undefined }) }));
    add(`${name}/null`, build({ payload: withClaims({ [claim]: null }) }));
    add(`${name}/object`, build({ payload: withClaims({ [claim]: {} }) }));
    add(`${name}/bool`, build({ payload: withClaims({ [claim]: true }) }));
    if (numericClaims.includes(claim)) {
      add(`${name}/string`, build({ payload: withClaims({ [claim]: String(now) }) }));
    } else {
      add(`${name}/number`, build({ payload: withClaims({ [claim]: 12345 }) }));
      if (claim !== "aud")
        add(
          `${name}/array`,
          build({ payload: withClaims({ [claim]: [baseClaims()[claim] ?? "x"] }) }),
        );
    }
  }

  // Values: issuer, audience, times, user ids.
  const claims0 = baseClaims();
  if (claims0.iss) {
    add("iss/other", build({ payload: withClaims({ iss: "https://evil.example.com" }) }));
    add(
      "iss/trailing-slash-toggled",
      build({
        payload: withClaims({
          iss: claims0.iss.endsWith("/") ? claims0.iss.slice(0, -1) : `${claims0.iss}/`,
        }),
      }),
    );
    add("iss/upper-case", build({ payload: withClaims({ iss: claims0.iss.toUpperCase() }) }));
    add("iss/empty", build({ payload: withClaims({ iss: "" }) }));
  }
  const audience = Array.isArray(claims0.aud) ? claims0.aud[0] : claims0.aud;
  add("aud/other", build({ payload: withClaims({ aud: "https://other.example.com" }) }));
  add(
    "aud/array-with",
    build({ payload: withClaims({ aud: ["https://other.example.com", audience ?? "x"] }) }),
  );
  add("aud/array-without", build({ payload: withClaims({ aud: ["https://other.example.com"] }) }));
  add("aud/array-empty", build({ payload: withClaims({ aud: [] }) }));
  add("aud/array-with-number", build({ payload: withClaims({ aud: [audience ?? "x", 1] }) }));
  add("aud/empty-string", build({ payload: withClaims({ aud: "" }) }));
  if (audience) {
    add("aud/string", build({ payload: withClaims({ aud: audience }) }));
    add("aud/upper-case", build({ payload: withClaims({ aud: audience.toUpperCase() }) }));
  }

  const times = {
    "exp/past-15s": { exp: now - 15, iat: now - 60, nbf: undefined },
    "exp/past-120s": { exp: now - 120, iat: now - 600, nbf: undefined },
    "exp/past-1y": { exp: now - 31536000, iat: now - 31536600, nbf: undefined },
    "exp/far-future": { exp: now + 10 * 31536000 },
    "exp/fraction": { exp: now + 600.5 },
    "exp/huge": { exp: 1e20 },
    "exp/negative": { exp: -1 },
    "exp/zero": { exp: 0 },
    "nbf/future-15s": { nbf: now + 15 },
    "nbf/future-120s": { nbf: now + 120 },
    "nbf/past": { nbf: now - 600 },
    "nbf/fraction": { nbf: now - 0.5 },
    "nbf/huge": { nbf: 1e20 },
    "iat/future-15s": { iat: now + 15, nbf: undefined },
    "iat/future-120s": { iat: now + 120, nbf: undefined },
    "iat/past-1y": { iat: now - 31536000, nbf: undefined },
    "iat/fraction": { iat: now - 0.5 },
    "iat/negative": { iat: -1, nbf: undefined },
  };
  for (const [name, change] of Object.entries(times))
    add(name, build({ payload: withClaims(change) }));

  add("user/empty", build({ payload: withClaims({ [userClaim]: "" }) }), USER);
  add("user/300-bytes", build({ payload: spec.claims("u".repeat(300)) }), "u".repeat(300));
  add("user/256-bytes", build({ payload: spec.claims("u".repeat(256)) }), "u".repeat(256));
  add("user/unicode", build({ payload: spec.claims("alicé") }), "alicé");

  // Sender-constrained tokens (cnf).
  const cnfs = {
    "cnf/dpop-jkt": { jkt: "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I" },
    "cnf/mtls-x5t": { "x5t#S256": "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2" },
    "cnf/empty-object": {},
    "cnf/null": null,
    "cnf/string": "bound",
  };
  for (const [name, cnf] of Object.entries(cnfs))
    add(name, build({ payload: withClaims({ cnf }) }));

  // Provider claims.
  if (provider === "clerk") {
    add("azp/other", build({ payload: withClaims({ azp: "https://evil.example.com" }) }));
    add("azp/trailing-slash", build({ payload: withClaims({ azp: `${CLERK_PARTY}/` }) }));
    add("sid/empty", build({ payload: withClaims({ sid: "" }) }));
    for (const [name, cat] of Object.entries({
      session: "cl_B7d4PD111AAA",
      ignored: "cl_I7d4PD111III",
      m2m: "cl_B7d4PD333AAA",
      unknown: "cl_unknown",
      null: null,
      number: 1,
      absent: undefined,
    }))
      add(`cat/${name}`, build({ header: withHeader({ cat }) }));
  }
  if (provider === "auth0") {
    add("scope/number", build({ payload: withClaims({ scope: 1 }) }));
    add("scope/array", build({ payload: withClaims({ scope: ["read"] }) }));
    add("scope/null", build({ payload: withClaims({ scope: null }) }));
    add("permissions/list", build({ payload: withClaims({ permissions: ["read:tasks"] }) }));
    add("permissions/string", build({ payload: withClaims({ permissions: "read:tasks" }) }));
    add("permissions/null", build({ payload: withClaims({ permissions: null }) }));
    add("permissions/numbers", build({ payload: withClaims({ permissions: [1] }) }));
  }

  // Header: typ, kid, alg, crit, and members that name keys.
  for (const [name, typ] of Object.entries({
    absent: undefined,
    JWT: "JWT",
    jwt: "jwt",
    "at+jwt": "at+jwt",
    "application/at+jwt": "application/at+jwt",
    "AT+JWT": "AT+JWT",
    "application/jwt": "application/jwt",
    JOSE: "JOSE",
    "dpop+jwt": "dpop+jwt",
    "logout+jwt": "logout+jwt",
    empty: "",
    number: 1,
    null: null,
  }))
    add(`typ/${name}`, build({ header: withHeader({ typ }) }));

  if (!HMAC) {
    add("kid/unknown", build({ header: withHeader({ kid: "no-such-key" }) }));
    add("kid/empty", build({ header: withHeader({ kid: "" }) }));
    add("kid/number", build({ header: withHeader({ kid: 1 }) }));
    add("kid/null", build({ header: withHeader({ kid: null }) }));
    add("kid/300-bytes", build({ header: withHeader({ kid: "k".repeat(300) }) }));
    add("kid/of-the-not-configured-key", build({ header: withHeader({ kid: extra.kid }) }));
    add(
      "alg/not-configured",
      build({ header: withHeader({ alg: EXTRA_ALG, kid: extra.kid }), key: extra.private }),
    );
    add(
      "alg/not-configured-no-kid",
      build({ header: withHeader({ alg: EXTRA_ALG, kid: undefined }), key: extra.private }),
    );
    // Key confusion: an HMAC signature whose secret is the public key (its PEM, its JWK).
    const pem = primaryKey.public.export({ type: "spki", format: "pem" });
    add(
      "alg/HS256-with-public-key-pem",
      build({ header: withHeader({ alg: "HS256" }), alg: "HS256", key: pem }),
    );
    add(
      "alg/HS256-with-public-key-jwk",
      build({
        header: withHeader({ alg: "HS256" }),
        alg: "HS256",
        key: JSON.stringify(publicJwk(PRIMARY, primaryKey.kid, primaryKey.public)),
      }),
    );
    add("sig/other-key-same-kid", build({ key: stranger.private }));
    add(
      "sig/other-key-no-kid",
      build({ header: withHeader({ kid: undefined }), key: stranger.private }),
    );
    // Key-bearing headers are ignored; a token signed by the key they name is not trusted.
    const attackerJwk = publicJwk(PRIMARY, primaryKey.kid, stranger.public);
    add(
      "header/jwk-of-the-signer",
      build({ header: withHeader({ jwk: attackerJwk }), key: stranger.private }),
    );
    add(
      "header/jku-of-the-signer",
      build({
        header: withHeader({ jku: "https://evil.example.com/jwks" }),
        key: stranger.private,
      }),
    );
  } else {
    add("sig/other-secret", build({ key: stranger.private }));
    add("sig/empty-secret", build({ key: "" }));
  }
  for (const other of ["HS256", "HS384", "HS512", "RS256", "PS256", "ES256", "EdDSA"].filter(
    (a) => a !== PRIMARY,
  )) {
    // The primary key's signature, relabelled.
    add(`alg/relabelled-${other}`, build({ header: withHeader({ alg: other }), alg: PRIMARY }));
  }
  add("alg/none", build({ header: withHeader({ alg: "none" }), alg: "none" }));
  add("alg/None", build({ header: withHeader({ alg: "None" }), alg: "none" }));
  add("alg/none-with-signature", build({ header: withHeader({ alg: "none" }), alg: PRIMARY }));
  add(
    "alg/lower-case",
    build({ header: withHeader({ alg: PRIMARY.toLowerCase() }), alg: PRIMARY }),
  );
  add("alg/missing", build({ header: withHeader({ alg: undefined }), alg: PRIMARY }));
  add("alg/number", build({ header: withHeader({ alg: 256 }), alg: PRIMARY }));

  for (const [name, change] of Object.entries({
    "crit/exp": { crit: ["exp"], exp: 1 },
    "crit/b64-true": { crit: ["b64"], b64: true },
    "crit/b64-false": { crit: ["b64"], b64: false },
    "crit/empty": { crit: [] },
    "crit/unlisted-member": { crit: ["x-unknown"] },
    "crit/string": { crit: "exp" },
    "crit/null": { crit: null },
  }))
    add(name, build({ header: withHeader(change) }));

  for (const [name, change] of Object.entries({
    "header/unknown-member": { "x-custom": "value" },
    "header/x5u": { x5u: "https://evil.example.com/cert.pem" },
    "header/x5c-garbage": { x5c: ["bm90IGEgY2VydA"] },
    "header/cty-JWT": { cty: "JWT" },
    "header/zip-DEF": { zip: "DEF" },
    "header/b64-true": { b64: true },
  }))
    add(name, build({ header: withHeader(change) }));

  // Encoding: every segment must be unpadded base64url of UTF-8 JSON objects, exactly three.
  const valid = build();
  const [vh, vp, vs] = valid.split(".");
  if (pad(vh) !== vh) add("b64/header-padded", build({ segments: (h, p) => [pad(h), p] }));
  if (pad(vp) !== vp) add("b64/payload-padded", build({ segments: (h, p) => [h, pad(p)] }));
  if (pad(vs) !== vs) add("b64/signature-padded", `${vh}.${vp}.${pad(vs)}`);
  {
    // A valid token whose signature has a `-` or `_` to rewrite (a short one may have none).
    let n = 0;
    let token = valid;
    while (!/[-_]/.test(token.split(".")[2])) token = build({ payload: withClaims({ n: n++ }) });
    const [h, p, sig] = token.split(".");
    add("b64/signature-standard-alphabet", `${h}.${p}.${toStd(sig)}`);
  }
  {
    // Non-canonical: the last character's unused low bits set (lenient decoders drop them).
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const unused = { 2: 0b1111, 3: 0b11 }[vs.length % 4];
    if (unused) {
      const last = alphabet.indexOf(vs.at(-1));
      add(
        "b64/signature-trailing-bits",
        `${vh}.${vp}.${vs.slice(0, -1)}${alphabet[last | unused]}`,
      );
    }
  }
  add(
    "b64/payload-standard-alphabet",
    build({
      payload: withClaims({ pad: "\u00ff\u00fe\u00fb\u00ff>>>???" }),
      segments: (h, p) => [h, toStd(p)],
    }),
  );
  add(
    "b64/payload-invalid-char",
    build({ segments: (h, p) => [h, `${p.slice(0, 10)}*${p.slice(11)}`] }),
  );
  add("jws/two-segments", `${vh}.${vp}`);
  add("jws/four-segments", `${valid}.${vs}`);
  add("jws/trailing-dot", `${valid}.`);
  add("jws/empty-signature", `${vh}.${vp}.`);
  add("jws/signature-truncated", `${vh}.${vp}.${vs.slice(0, -4)}`);
  add("jws/signature-bit-flipped", `${vh}.${vp}.${vs[0] === "A" ? "B" : "A"}${vs.slice(1)}`);
  add(
    "jws/payload-swapped",
    `${vh}.${b64u(JSON.stringify(spec.claims(`${USER}-2`)))}.${vs}`,
    `${USER}-2`,
  );
  add("jws/empty", "..");
  add("jws/leading-dot", `.${valid}`);
  add(
    "jws/json-serialization",
    b64u(JSON.stringify({ protected: vh, payload: vp, signature: vs })),
  );
  add("json/payload-pretty-printed", build({ payload: JSON.stringify(baseClaims(), null, 2) }));
  add(
    "json/escaped-member-names",
    build({
      payload: JSON.stringify(baseClaims()).replace(
        /"(iss|exp|sub)":/g,
        (_, m) => `"\\u00${m.charCodeAt(0).toString(16)}${m.slice(1)}":`,
      ),
    }),
  );
  add(
    "json/exp-exponent-notation",
    build({
      payload: JSON.stringify(baseClaims()).replace(/"exp":(\d+)/, (_, n) => `"exp":${n / 1e9}e9`),
    }),
  );
  add(
    "json/exp-trailing-zero-fraction",
    build({
      payload: JSON.stringify(baseClaims()).replace(/"exp":(\d+)/, (_, n) => `"exp":${n}.0`),
    }),
  );
  add(
    "json/unread-claim-nested-64",
    build({
      payload: `${JSON.stringify(baseClaims()).slice(0, -1)},"deep":${"[".repeat(64)}${"]".repeat(64)}}`,
    }),
  );
  add(
    "json/unread-claim-nested-200",
    build({
      payload: `${JSON.stringify(baseClaims()).slice(0, -1)},"deep":${"[".repeat(200)}${"]".repeat(200)}}`,
    }),
  );
  add(
    "aud/array-repeated",
    build({ payload: withClaims({ aud: [audience ?? "x", audience ?? "x"] }) }),
  );
  add(
    "aud/array-of-20",
    build({
      payload: withClaims({
        aud: [
          ...Array.from({ length: 19 }, (_, i) => `https://other-${i}.example.com`),
          audience ?? "x",
        ],
      }),
    }),
  );
  add(
    "iss/with-whitespace",
    build({ payload: withClaims({ iss: ` ${baseClaims().iss ?? "x"}` }) }),
  );
  add("exp/numeric-string", build({ payload: withClaims({ exp: String(now + 600) }) }));

  const baseJson = JSON.stringify(baseClaims());
  const headerJson = JSON.stringify(baseHeader());
  add("json/payload-not-json", build({ payload: "not json" }));
  add("json/payload-array", build({ payload: `[${baseJson}]` }));
  add("json/payload-string", build({ payload: JSON.stringify(baseJson) }));
  add("json/header-array", build({ header: `[${headerJson}]`, alg: PRIMARY }));
  add(
    "json/payload-bom",
    build({ payload: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(baseJson)]) }),
  );
  add(
    "json/header-bom",
    build({
      header: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(headerJson)]),
      alg: PRIMARY,
    }),
  );
  add(
    "json/payload-invalid-utf8",
    build({
      payload: Buffer.concat([
        Buffer.from(baseJson.slice(0, -1)),
        Buffer.from(',"x":"'),
        Buffer.from([0xff]),
        Buffer.from('"}'),
      ]),
    }),
  );
  add("json/payload-trailing-whitespace", build({ payload: `${baseJson} \n` }));
  add("json/payload-trailing-garbage", build({ payload: `${baseJson}x` }));
  add("json/payload-lone-surrogate", build({ payload: `${baseJson.slice(0, -1)},"x":"\\ud800"}` }));
  // Duplicate members: JSON.parse keeps the last one, so each of these reads as a valid token there.
  add("dup/payload-sub", build({ payload: first(baseJson, [userClaim, `${USER}-2`]) }));
  add("dup/payload-exp", build({ payload: first(baseJson, ["exp", now - 3600]) }));
  if (claims0.iss)
    add(
      "dup/payload-iss",
      build({ payload: first(baseJson, ["iss", "https://evil.example.com"]) }),
    );
  add("dup/header-alg", build({ header: first(headerJson, ["alg", "none"]), alg: PRIMARY }));
  add("dup/header-typ", build({ header: first(headerJson, ["typ", "JWT"]), alg: PRIMARY }));

  // Size: the 8 KiB limit on the token.
  function sized(target) {
    let filler = 0;
    for (let i = 0; i < 3; i++) {
      const length = build({ payload: withClaims({ pad: "x".repeat(filler) }) }).length;
      filler = Math.max(0, filler + Math.floor(((target - length) * 3) / 4));
    }
    return build({ payload: withClaims({ pad: "x".repeat(filler) }) });
  }
  add("size/just-under-8KiB", sized(8100));
  add("size/just-over-8KiB", sized(8300));
  add("size/16KiB", sized(16384));

  return corpus;
}

// ---------------------------------------------------------------------------------------------
// Decide every case with the library.

async function decideCorpus() {
  const names = new Set();
  const cases = [];
  for (const [name, token, user] of buildCorpus()) {
    if (names.has(name)) fail(`two cases are named ${name}`);
    names.add(name);
    let decision;
    try {
      const payload = await spec.decide(token);
      const resolved = payload?.[userClaim];
      decision = {
        library: "accept",
        library_reason: "",
        user: typeof resolved === "string" ? resolved : user,
      };
    } catch (error) {
      decision = {
        library: "refuse",
        library_reason: `${error?.code ?? error?.name ?? "Error"}: ${error?.message ?? error}`,
        user,
      };
    }
    const [header = "", payload = ""] = token
      .split(".")
      .map((part) => Buffer.from(part, "base64url").toString("utf8"));
    cases.push({ name, token, ...decision, header, payload });
  }
  return cases;
}
