//! A real Better Auth 1.7 server (email and password, `jwt` and `bearer` plugins, memory adapter)
//! run by Node from `tests/interop/better-auth/`, for tests that must hold against the real issuer.
//!
//! Node 20+ and npm are required; the Node dependencies are installed from the lockfile
//! (`npm ci`) on first use. A missing Node is a test failure, never a skip.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::node::{self, NodeServer};

/// `tests/interop/better-auth/` in this repository.
pub fn interop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/better-auth")
}

/// Makes sure `node_modules` in [`interop_dir`] matches `package-lock.json`, running
/// `npm ci` when it is missing or stale; see [`node::ensure_node_deps`].
pub fn ensure_node_deps() {
    node::ensure_node_deps(&interop_dir());
}

/// A user created through `POST /api/auth/sign-up/email`.
#[derive(Debug, Clone)]
pub struct SignedUp {
    /// `user.id` from the sign-up response: the `sub` of this user's JWTs.
    pub user_id: String,
    /// The signed session token from the bearer plugin's `set-auth-token` response header
    /// (`<token>.<signature>`), to send as `Authorization: Bearer <session_token>`.
    pub session_token: String,
    /// The `user` object of the sign-up response (id, name, email, emailVerified, ...).
    pub user: Value,
}

/// A running Better Auth server on 127.0.0.1. Killed on drop; it also exits by itself when
/// its stdin closes, so it cannot outlive the test process.
pub struct BetterAuthServer {
    server: NodeServer,
    base_url: String,
    agent: ureq::Agent,
}

impl BetterAuthServer {
    /// Starts a server with the jwt plugin's default settings (EdDSA / Ed25519).
    pub fn start() -> BetterAuthServer {
        Self::spawn(None)
    }

    /// Starts a server whose jwt plugin signs with `alg`
    /// (`jwks.keyPairConfig.alg`): one of `EdDSA`, `ES256`, `ES512`, `RS256`, `PS256`.
    pub fn start_with_jwt_alg(alg: &str) -> BetterAuthServer {
        Self::spawn(Some(alg))
    }

    fn spawn(jwt_alg: Option<&str>) -> BetterAuthServer {
        let server = NodeServer::start(&interop_dir(), |command| {
            command
                .env_remove("BETTER_AUTH_URL")
                .env_remove("BETTER_AUTH_SECRET")
                .env_remove("BA_JWT_ALG");
            if let Some(alg) = jwt_alg {
                command.env("BA_JWT_ALG", alg);
            }
        });
        let base_url = server.ready_str("baseURL");
        BetterAuthServer {
            server,
            base_url,
            agent: node::http_agent(),
        }
    }

    /// `http://127.0.0.1:<port>`, no trailing slash: Better Auth's `baseURL`, and so also the
    /// default `iss` and `aud` of its JWTs.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn port(&self) -> u16 {
        self.server.port()
    }

    /// The issuer (`iss`) and audience (`aud`) its JWTs carry: the base URL origin.
    pub fn issuer(&self) -> &str {
        &self.base_url
    }

    /// `{base_url}/api/auth/jwks`.
    pub fn jwks_url(&self) -> String {
        format!("{}/api/auth/jwks", self.base_url)
    }

    /// Everything the server has written to stderr (and stray stdout lines) so far.
    pub fn log(&self) -> String {
        self.server.log()
    }

    /// Signs a user up with email and password. Panics unless the server answers 200 with a
    /// user id and a `set-auth-token` header.
    pub fn sign_up(&self, email: &str, password: &str, name: &str) -> SignedUp {
        let url = format!("{}/api/auth/sign-up/email", self.base_url);
        let mut response = self
            .agent
            .post(&url)
            .send_json(json!({ "email": email, "password": password, "name": name }))
            .unwrap_or_else(|e| panic!("POST {url}: {e}\n{}", self.log()));
        let status = response.status().as_u16();
        let session_token = response
            .headers()
            .get("set-auth-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response.body_mut().read_to_string().unwrap_or_default();
        assert_eq!(
            status,
            200,
            "POST {url} for {email}: {status} {body}\n{}",
            self.log()
        );
        let body: Value = serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("POST {url}: not JSON ({e}): {body}"));
        let user = body["user"].clone();
        let user_id = user["id"]
            .as_str()
            .unwrap_or_else(|| panic!("POST {url}: no user.id in {body}"))
            .to_owned();
        let session_token = session_token.unwrap_or_else(|| {
            panic!("POST {url}: no set-auth-token header (bearer plugin?); body {body}")
        });
        SignedUp {
            user_id,
            session_token,
            user,
        }
    }

    /// Fetches a fresh JWT for a session: `GET /api/auth/token` with
    /// `Authorization: Bearer <session_token>`, returning the `token` field.
    pub fn jwt(&self, session_token: &str) -> String {
        let body = self.get_json("/api/auth/token", Some(session_token));
        body["token"]
            .as_str()
            .unwrap_or_else(|| panic!("GET /api/auth/token: no token in {body}"))
            .to_owned()
    }

    /// The public key set: `GET /api/auth/jwks`.
    pub fn jwks(&self) -> Value {
        self.get_json("/api/auth/jwks", None)
    }

    /// `GET {base_url}{path}`, optionally with a bearer token; panics unless 200 with JSON.
    pub fn get_json(&self, path: &str, bearer: Option<&str>) -> Value {
        let url = format!("{}{path}", self.base_url);
        let mut request = self.agent.get(&url);
        if let Some(token) = bearer {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        let mut response = request
            .call()
            .unwrap_or_else(|e| panic!("GET {url}: {e}\n{}", self.log()));
        let status = response.status().as_u16();
        let body = response.body_mut().read_to_string().unwrap_or_default();
        assert_eq!(status, 200, "GET {url}: {status} {body}\n{}", self.log());
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {url}: not JSON ({e}): {body}"))
    }
}
