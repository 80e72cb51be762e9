//! A real OpenID Provider (`oidc-provider` 9, panva) run by Node from
//! `tests/interop/oidc-provider/`, for tests that must hold against a real OIDC issuer.
//!
//! The server (see its `server.mjs`) issues RFC 9068 JWT access tokens through resource
//! indicators: one resource per algorithm ([`resource`]), whose identifier is also the tokens'
//! `aud`. Tokens come from the client credentials grant (`sub` = [`CLIENT_ID`]) or from a
//! scripted login: the authorization code flow with PKCE S256 driven over HTTP through the
//! provider's development interactions (`sub` = the account id).
//!
//! Node 20+ and npm are required; the Node dependencies are installed from the lockfile
//! (`npm ci`) on first use. A missing Node is a test failure, never a skip.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use super::jwt::base64url_encode;
use super::node::{self, NodeServer};

/// The algorithms the server signs access tokens with, one resource each.
pub const ALGS: [&str; 3] = ["RS256", "ES256", "EdDSA"];
/// The confidential client (client_secret_basic) of `server.mjs`.
pub const CLIENT_ID: &str = "authgate-test-client";
pub const CLIENT_SECRET: &str = "authgate-test-client-secret-0123456789abcdef";
/// Its only redirect URI. Never contacted: redirects are not followed.
pub const REDIRECT_URI: &str = "http://127.0.0.1/authgate-test-callback";
/// The scopes every resource offers; tokens are requested with all of them.
pub const SCOPE: &str = "api:read api:write";

/// `tests/interop/oidc-provider/` in this repository.
pub fn interop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/oidc-provider")
}

/// The resource indicator (RFC 8707) whose access tokens are signed with `alg`, which is also
/// their `aud`: `urn:authgate:test:rs256`, `urn:authgate:test:es256`, `urn:authgate:test:eddsa`.
/// Panics for an algorithm not in [`ALGS`].
pub fn resource(alg: &str) -> String {
    assert!(
        ALGS.contains(&alg),
        "the OIDC test provider signs access tokens with {ALGS:?} only, not {alg:?}"
    );
    format!("urn:authgate:test:{}", alg.to_ascii_lowercase())
}

/// The `aud` of access tokens signed with `alg`: the same string as [`resource`].
pub fn audience(alg: &str) -> String {
    resource(alg)
}

/// Makes sure `node_modules` in [`interop_dir`] matches `package-lock.json`, running
/// `npm ci` when it is missing or stale; see [`node::ensure_node_deps`].
pub fn ensure_node_deps() {
    node::ensure_node_deps(&interop_dir());
}

/// An HTTP answer from the provider, read in full.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    /// The `Content-Type` header, or "".
    pub content_type: String,
    pub body: String,
}

impl Answer {
    /// The body as JSON; panics (with the body) when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.body))
    }
}

/// An authorization code from [`OidcProvider::authorize`], not yet redeemed.
#[derive(Debug, Clone)]
pub struct Authorized {
    pub code: String,
    /// The PKCE code verifier whose S256 challenge the authorization request carried.
    pub verifier: String,
    /// The resource indicator the code was requested for.
    pub resource: String,
}

/// A running oidc-provider on 127.0.0.1. Killed on drop; it also exits by itself when its
/// stdin closes, so it cannot outlive the test process.
pub struct OidcProvider {
    server: NodeServer,
    issuer: String,
    agent: ureq::Agent,
}

impl OidcProvider {
    /// Starts a provider with fresh RS256, ES256 and EdDSA (Ed25519) signing keys and the
    /// issuer `http://127.0.0.1:<port>`.
    pub fn start() -> OidcProvider {
        let server = NodeServer::start(&interop_dir(), |command| {
            command.env_remove("DEBUG");
        });
        let issuer = server.ready_str("issuer");
        OidcProvider {
            server,
            issuer,
            agent: node::http_agent(),
        }
    }

    /// `http://127.0.0.1:<port>`, no trailing slash: the discovered `issuer` and the `iss` of
    /// every token, and so `OIDC_ISSUER` for a generated server.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn port(&self) -> u16 {
        self.server.port()
    }

    /// Everything the server has written to stderr (and stray stdout lines) so far.
    pub fn log(&self) -> String {
        self.server.log()
    }

    /// `GET {issuer}/.well-known/openid-configuration`; panics unless 200 with JSON.
    pub fn discovery(&self) -> Value {
        self.get_json("/.well-known/openid-configuration")
    }

    /// The `jwks_uri` of the discovery document (`{issuer}/jwks`).
    pub fn jwks_uri(&self) -> String {
        let discovery = self.discovery();
        discovery["jwks_uri"]
            .as_str()
            .unwrap_or_else(|| panic!("no jwks_uri in discovery {discovery}"))
            .to_owned()
    }

    /// The public key set at `jwks_uri`; panics unless 200 with JSON.
    pub fn jwks(&self) -> Value {
        let url = self.jwks_uri();
        let answer = self.get(&url);
        assert_eq!(answer.status, 200, "GET {url}: {answer:?}\n{}", self.log());
        answer.json()
    }

    /// An access token from the client credentials grant for [`resource`]`(alg)` with
    /// [`SCOPE`]: a JWT signed with `alg` whose `sub` and `client_id` are [`CLIENT_ID`].
    pub fn client_credentials_token(&self, alg: &str) -> String {
        let resource = resource(alg);
        let answer = self.token_request(&[
            ("grant_type", "client_credentials"),
            ("resource", &resource),
            ("scope", SCOPE),
        ]);
        self.access_token(answer, "client_credentials")
    }

    /// An access token for the user `account_id`, through a scripted login: the authorization
    /// code flow with PKCE S256 ([`OidcProvider::authorize`], then the token request with the
    /// code verifier) for [`resource`]`(alg)` with `openid` and [`SCOPE`]. A JWT signed with
    /// `alg` whose `sub` is `account_id` and `client_id` is [`CLIENT_ID`].
    pub fn user_token(&self, account_id: &str, alg: &str) -> String {
        let authorized = self.authorize(account_id, alg);
        let answer = self.redeem(&authorized, &authorized.verifier);
        self.access_token(answer, "authorization_code")
    }

    /// The front-channel half of a scripted login as `account_id`: `GET /auth` (PKCE S256,
    /// `resource` = [`resource`]`(alg)`, scope `openid` + [`SCOPE`]), then the provider's
    /// development login and consent forms at `/interaction/:uid`, each followed by the resume
    /// at `/auth/:uid`, up to the redirect to [`REDIRECT_URI`] with `code`, `state` and `iss`
    /// (RFC 9207, checked to be the issuer). Each call is a fresh browser (no cookies kept).
    pub fn authorize(&self, account_id: &str, alg: &str) -> Authorized {
        let resource = resource(alg);
        let verifier = random_token();
        let challenge = pkce_s256(&verifier);
        let state = random_token();
        let mut jar = CookieJar::default();

        // 1. Authorization request: redirected to the login interaction.
        let scope = format!("openid {SCOPE}");
        let response = self
            .agent
            .get(format!("{}/auth", self.issuer))
            .query("client_id", CLIENT_ID)
            .query("response_type", "code")
            .query("redirect_uri", REDIRECT_URI)
            .query("scope", &scope)
            .query("resource", &resource)
            .query("code_challenge", &challenge)
            .query("code_challenge_method", "S256")
            .query("state", &state)
            .call()
            .unwrap_or_else(|e| panic!("GET /auth: {e}\n{}", self.log()));
        let mut location = self.redirect("GET /auth", response, &mut jar);

        // 2. Login, then consent: each an interaction page that a form post completes, after
        //    which the authorization endpoint resumes (`/auth/:uid`) and redirects on.
        for (prompt, fields) in [
            (
                "login",
                vec![("prompt", "login"), ("login", account_id), ("password", "")],
            ),
            ("consent", vec![("prompt", "consent")]),
        ] {
            let interaction = self.url(&location);
            assert!(
                interaction.contains("/interaction/"),
                "expected the {prompt} interaction, redirected to {location}\n{}",
                self.log()
            );
            let response = self
                .agent
                .post(&interaction)
                .header("Cookie", jar.header())
                .send_form(fields)
                .unwrap_or_else(|e| panic!("POST {interaction}: {e}\n{}", self.log()));
            let resume = self.redirect(
                &format!("POST {interaction} ({prompt})"),
                response,
                &mut jar,
            );
            let resume = self.url(&resume);
            let response = self
                .agent
                .get(&resume)
                .header("Cookie", jar.header())
                .call()
                .unwrap_or_else(|e| panic!("GET {resume}: {e}\n{}", self.log()));
            location = self.redirect(&format!("GET {resume}"), response, &mut jar);
        }

        // 3. The authorization response: the redirect to the client with `code`, `state`, `iss`.
        let (target, query) = location.split_once('?').unwrap_or((&location, ""));
        assert_eq!(
            target,
            REDIRECT_URI,
            "expected the redirect to the client, got {location}\n{}",
            self.log()
        );
        let params = parse_query(query);
        assert!(
            !params.contains_key("error"),
            "authorization error: {location}\n{}",
            self.log()
        );
        assert_eq!(params.get("state"), Some(&state), "state: {location}");
        assert_eq!(
            params.get("iss").map(String::as_str),
            Some(self.issuer.as_str()),
            "RFC 9207 iss: {location}"
        );
        let code = params
            .get("code")
            .unwrap_or_else(|| panic!("no code in {location}"))
            .clone();
        Authorized {
            code,
            verifier,
            resource,
        }
    }

    /// The token request for an authorization code: `grant_type=authorization_code` with
    /// `code_verifier` (normally `authorized.verifier`) and the same `resource`; the raw answer.
    pub fn redeem(&self, authorized: &Authorized, code_verifier: &str) -> Answer {
        self.token_request(&[
            ("grant_type", "authorization_code"),
            ("code", &authorized.code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", code_verifier),
            ("resource", &authorized.resource),
        ])
    }

    /// `POST {issuer}/token` with the client's Basic credentials and `form`; the raw answer.
    pub fn token_request(&self, form: &[(&str, &str)]) -> Answer {
        let url = format!("{}/token", self.issuer);
        let credentials = base64_standard(format!("{CLIENT_ID}:{CLIENT_SECRET}").as_bytes());
        let response = self
            .agent
            .post(&url)
            .header("Authorization", format!("Basic {credentials}"))
            .send_form(form.iter().copied())
            .unwrap_or_else(|e| panic!("POST {url}: {e}\n{}", self.log()));
        read_answer(response)
    }

    /// `GET url` (absolute, or a path on the issuer) without following redirects.
    pub fn get(&self, url: &str) -> Answer {
        let url = self.url(url);
        let response = self
            .agent
            .get(&url)
            .call()
            .unwrap_or_else(|e| panic!("GET {url}: {e}\n{}", self.log()));
        read_answer(response)
    }

    /// `GET {issuer}{path}`; panics unless 200 with JSON.
    pub fn get_json(&self, path: &str) -> Value {
        let answer = self.get(path);
        assert_eq!(answer.status, 200, "GET {path}: {answer:?}\n{}", self.log());
        answer.json()
    }

    fn url(&self, location: &str) -> String {
        if location.starts_with('/') {
            format!("{}{location}", self.issuer)
        } else {
            location.to_owned()
        }
    }

    /// Checks a 303/302 answer, keeps its cookies and returns its `Location`.
    fn redirect(
        &self,
        what: &str,
        mut response: ureq::http::Response<ureq::Body>,
        jar: &mut CookieJar,
    ) -> String {
        jar.update(&response);
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        match location {
            Some(location) if matches!(status, 302 | 303) => location,
            _ => {
                let body = response.body_mut().read_to_string().unwrap_or_default();
                panic!(
                    "{what}: expected a redirect, got {status} {body}\n{}",
                    self.log()
                )
            }
        }
    }

    fn access_token(&self, answer: Answer, grant: &str) -> String {
        assert_eq!(
            answer.status,
            200,
            "{grant} token request: {answer:?}\n{}",
            self.log()
        );
        let body = answer.json();
        assert_eq!(body["token_type"], "Bearer", "{grant}: {body}");
        body["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("{grant}: no access_token in {body}"))
            .to_owned()
    }
}

fn read_answer(mut response: ureq::http::Response<ureq::Body>) -> Answer {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = response.body_mut().read_to_string().unwrap_or_default();
    Answer {
        status,
        content_type,
        body,
    }
}

/// The cookies one scripted browser holds: by name only (paths and expiry are ignored; the
/// provider finds its cookies by name and checks their signatures). A later `Set-Cookie` of
/// the same name wins; an empty value deletes.
#[derive(Default)]
struct CookieJar(BTreeMap<String, String>);

impl CookieJar {
    fn update(&mut self, response: &ureq::http::Response<ureq::Body>) {
        for header in response.headers().get_all("set-cookie") {
            let Ok(header) = header.to_str() else {
                continue;
            };
            let pair = header.split(';').next().unwrap_or("");
            let Some((name, value)) = pair.split_once('=') else {
                continue;
            };
            let (name, value) = (name.trim(), value.trim());
            if value.is_empty() {
                self.0.remove(name);
            } else {
                self.0.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    fn header(&self) -> String {
        self.0
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// `application/x-www-form-urlencoded` query into a map (later duplicates win).
fn parse_query(query: &str) -> BTreeMap<String, String> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = || {
            std::str::from_utf8(bytes.get(i + 1..i + 3)?)
                .ok()
                .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
        };
        match (bytes[i], hex().and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A fresh 43-character base64url string (256 bits from the clock, the process id and a
/// counter, hashed): a PKCE code verifier (RFC 7636 §4.1) or a `state`. Unpredictable enough
/// for a test; not a CSPRNG.
pub fn random_token() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    let seed = format!(
        "{nanos}:{}:{}:{:?}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        thread::current().id()
    );
    base64url_encode(&sha256(seed.as_bytes()))
}

/// The PKCE S256 code challenge of `verifier`: `BASE64URL(SHA256(ASCII(verifier)))`.
pub fn pkce_s256(verifier: &str) -> String {
    base64url_encode(&sha256(verifier.as_bytes()))
}

/// Standard base64 with padding (RFC 4648 §4), for HTTP Basic credentials.
fn base64_standard(bytes: &[u8]) -> String {
    let mut out: String = base64url_encode(bytes)
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    while !out.len().is_multiple_of(4) {
        out.push('=');
    }
    out
}

/// SHA-256 (FIPS 180-4), for PKCE.
pub fn sha256(message: &[u8]) -> [u8; 32] {
    use sha2::Digest as _;
    sha2::Sha256::digest(message).into()
}
