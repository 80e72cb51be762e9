// A real OpenID Provider (panva's `oidc-provider`) for authgate's interop tests.
//
// Listens on 127.0.0.1 on a free port, then builds the Provider with the issuer
// `http://127.0.0.1:<port>` and prints exactly one line to stdout:
//   READY {"port":N,"issuer":"http://127.0.0.1:N"}
// Exits when stdin closes (the test process died or dropped its handle) or on SIGTERM/SIGINT.
//
// What it offers:
// - signing keys generated at start (node:crypto through ../shared/keys.mjs, nothing
//   persisted): one RSA 2048 key (RS256), one P-256 key (ES256) and one Ed25519 key (EdDSA),
//   each published in the JWKS with `kid`, `alg` and `use: "sig"`;
// - JWT access tokens (RFC 9068, header `typ: at+jwt`) through resource indicators (RFC 8707):
//   one resource per algorithm, see RESOURCES; the token's `aud` is the resource identifier and
//   its signing algorithm is the resource's;
// - one confidential client (CLIENT_ID / CLIENT_SECRET, client_secret_basic) allowed the
//   client_credentials grant (sub = client id) and the authorization code grant with PKCE S256
//   (required). The login is the provider's own development interactions (`devInteractions`):
//   the test drives `/auth`, posts the login and consent forms at `/interaction/:uid` and
//   redeems the code at `/token`. Any account id is accepted as the login (no password check):
//   the token's `sub` is that account id.
//
// Nothing here is fit for production: it is a test fixture.
import { randomUUID } from "node:crypto";
import Provider, { errors } from "oidc-provider";
import { generateDetachedKeyPair } from "../shared/keys.mjs";
import { listenOnLoopback, serveUntilStdinCloses } from "../shared/loopback.mjs";

export const CLIENT_ID = "authgate-test-client";
export const CLIENT_SECRET = "authgate-test-client-secret-0123456789abcdef";
export const REDIRECT_URI = "http://127.0.0.1/authgate-test-callback";
export const SCOPE = "api:read api:write";

// Resource identifier -> JWS algorithm of its access tokens. The audience is the identifier.
export const RESOURCES = {
  "urn:authgate:test:rs256": "RS256",
  "urn:authgate:test:es256": "ES256",
  "urn:authgate:test:eddsa": "EdDSA",
};

function fail(message) {
  process.stderr.write(`oidc-provider interop server: ${message}\n`);
  process.exit(1);
}

function signingKey(alg) {
  let pair;
  switch (alg) {
    case "RS256":
      pair = generateDetachedKeyPair("rsa", { modulusLength: 2048 });
      break;
    case "ES256":
      pair = generateDetachedKeyPair("ec", { namedCurve: "P-256" });
      break;
    case "EdDSA":
      pair = generateDetachedKeyPair("ed25519");
      break;
    default:
      fail(`no key type for ${alg}`);
  }
  const jwk = pair.privateKey.export({ format: "jwk" });
  return { ...jwk, kid: `${alg.toLowerCase()}-${randomUUID()}`, alg, use: "sig" };
}

// Listen first: the issuer must carry the real port.
const { server, port, origin: issuer } = await listenOnLoopback();

// RS256 first: it is also the default for ID tokens.
const keys = ["RS256", "ES256", "EdDSA"].map(signingKey);

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      grant_types: ["client_credentials", "authorization_code"],
      response_types: ["code"],
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ],
  jwks: { keys },
  // Any account id logs in; the subject is the account id.
  async findAccount(_ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id };
      },
    };
  },
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // A request without `resource` gets no default resource (so an opaque token): the test
      // always names one.
      defaultResource: async () => undefined,
      useGrantedResource: async () => false,
      async getResourceServerInfo(_ctx, resourceIndicator, _client) {
        const alg = RESOURCES[resourceIndicator];
        if (!alg) throw new errors.InvalidTarget();
        return {
          scope: SCOPE,
          audience: resourceIndicator,
          accessTokenTTL: 10 * 60,
          accessTokenFormat: "jwt",
          jwt: { sign: { alg } },
        };
      },
    },
  },
  pkce: { required: () => true },
  ttl: {
    AccessToken: 10 * 60,
    AuthorizationCode: 60,
    ClientCredentials: 10 * 60,
    IdToken: 10 * 60,
    Interaction: 10 * 60,
    Grant: 10 * 60,
    Session: 10 * 60,
  },
  // Fixed test keys signing the interaction and session cookies.
  cookies: { keys: ["authgate-interop-cookie-key-0123456789"] },
  // Errors show up in the test's failure output.
  renderError(ctx, out, error) {
    process.stderr.write(`oidc-provider interop server: error page ${JSON.stringify(out)} ${error?.stack ?? error}\n`);
    ctx.type = "json";
    ctx.body = out;
  },
});

provider.on("server_error", (_ctx, error) => {
  process.stderr.write(`oidc-provider interop server: server_error ${error?.stack ?? error}\n`);
});
provider.on("grant.error", (_ctx, error) => {
  process.stderr.write(`oidc-provider interop server: grant.error ${error?.name}: ${error?.message} ${error?.error_description ?? ""}\n`);
});

server.on("request", provider.callback());

serveUntilStdinCloses(server, { port, issuer });
