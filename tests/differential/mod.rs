//! The differential test (issue 11): for each provider, a corpus of valid and mutated tokens
//! decided by the generated server and by that provider's own verification library.
//!
//! `tests/interop/differential/server.mjs` generates the provider's keys, serves them on
//! loopback as the provider does (a JWKS, OIDC discovery), builds the corpus and decides every
//! token with the library configured as the provider documents it: Better Auth's `jose`
//! `jwtVerify` + `createRemoteJWKSet`, Auth0's `express-oauth2-jwt-bearer`, `@clerk/backend`
//! `verifyToken` (networkless with the PEM key, and with a JWKS from its Backend API pointed at
//! loopback), `oauth4webapi` `validateJwtAccessToken` (RFC 9068), and `jose` with the secret
//! for a shared-secret issuer. The generated server of a scenario is pointed at the same keys
//! and answers each token (`GET /api/{user}/{resource}`): 200 is an acceptance, 401 a refusal,
//! anything else a defect.
//!
//! The test fails when the server accepts a token the library refuses, unless the case is one
//! of the [`DELIBERATE`] differences (and each of those must still occur), when the server
//! refuses a token the library accepts without a [`STRICTER`] rule that names why, when a
//! `valid/` token does not pass both, and on each [`REPORTED`] case until it is resolved.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use serde::Deserialize;

use super::support::cargo::repo_dir;
use super::support::node::{NodeServer, http_agent};
use super::{Answers, Provider, RunningApi, Scenario, generate};

// ---------------------------------------------------------------------------------------------
// The scenarios: each is one the rest of tests/generated.rs builds too (same name, same answers),
// so the differential test adds no project build. A new algorithm is one more line here (its
// scenario), nothing else: the Node side signs with whatever the scenario accepts.

#[test]
fn differential_better_auth_eddsa() {
    differential(&Scenario::default_project());
}

#[test]
fn differential_better_auth_es256() {
    differential(&Scenario::better_auth_es256());
}

#[test]
fn differential_better_auth_es512() {
    differential(&Scenario::better_auth_es512());
}

#[test]
fn differential_better_auth_rs256_ps256() {
    differential(&Scenario::better_auth_rsa());
}

#[test]
fn differential_auth0_rs256() {
    differential(&Scenario::provider("auth0", Provider::Auth0, &["RS256"]));
}

#[test]
fn differential_auth0_hs256() {
    differential(&Scenario::provider(
        "auth0-hs256",
        Provider::Auth0,
        &["HS256"],
    ));
}

/// Networkless: `CLERK_JWT_KEY` on the server, `jwtKey` in `@clerk/backend`.
#[test]
fn differential_clerk() {
    differential(&clerk());
}

/// The instance's JWKS: the server's `{CLERK_ISSUER}/.well-known/jwks.json`, the library's
/// Backend API (`apiUrl`), both on loopback.
#[test]
fn differential_clerk_jwks() {
    differential_with(&clerk(), Some("jwks"));
}

fn clerk() -> Scenario {
    Scenario::provider("clerk", Provider::Clerk, &["RS256"])
}

#[test]
fn differential_oidc_rs256_es256_eddsa() {
    differential(&Scenario::oidc_multi());
}

/// HS512, and the user id in a claim of its own (`user_id`).
#[test]
fn differential_oidc_rs256_es512() {
    differential(&Scenario::oidc_rs256_es512());
}

#[test]
fn differential_shared_secret_hs512_user_id() {
    differential(&Scenario::with(
        "shared-secret-hs512-user-id",
        |answers: &mut Answers| {
            answers.provider = Some(Provider::SharedSecret);
            answers.algorithms = Some(vec!["HS512".to_owned()]);
            answers.user_claim = Some("user_id".to_owned());
        },
    ));
}

// ---------------------------------------------------------------------------------------------
// The differences, each with its reason. A case name pattern is exact, or a prefix when it ends
// in `*`; `providers` empty means every provider.

/// A difference that is allowed, and why.
struct Rule {
    cases: &'static str,
    providers: &'static [&'static str],
    why: &'static str,
}

impl Rule {
    fn matches(&self, provider: &str, case: &str) -> bool {
        (self.providers.is_empty() || self.providers.contains(&provider))
            && match self.cases.strip_suffix('*') {
                Some(prefix) => case.starts_with(prefix),
                None => case == self.cases,
            }
    }
}

const ALL: &[&str] = &[];
/// Providers whose reference library is `jose` with its default clock tolerance of 0 s.
const JOSE: &[&str] = &["better-auth", "shared-secret"];
const OIDC: &[&str] = &["oidc"];
const CLERK: &[&str] = &["clerk", "clerk-jwks"];
const AUTH0: &[&str] = &["auth0"];

/// Tokens the generated server ACCEPTS and the library refuses, on purpose. Each must still
/// occur in every run of its providers: a rule that no longer holds is removed, not kept.
const DELIBERATE: &[Rule] = &[
    // Clock leeway: authgate allows 30 s (JWT_LEEWAY_SECS) where jose, as Better Auth's docs
    // call it, allows none; 15 s past `exp` or before `nbf` is inside it.
    Rule {
        cases: "exp/past-15s",
        providers: JOSE,
        why: "30 s leeway; jose's default is 0 s",
    },
    Rule {
        cases: "nbf/future-15s",
        providers: JOSE,
        why: "30 s leeway; jose's default is 0 s",
    },
    // Generic OIDC verifies the access tokens of any OpenID provider, not only RFC 9068
    // profile tokens: many issuers send `typ: JWT` or none, and no `jti`, `client_id` or `iat`
    // (issue 11 fixes the accepted `typ`s). authgate reads none of these three claims, so their
    // type is not its concern either.
    Rule {
        cases: "typ/absent",
        providers: OIDC,
        why: "typ absent accepted (not only RFC 9068 tokens)",
    },
    Rule {
        cases: "typ/JWT",
        providers: OIDC,
        why: "typ JWT accepted (not only RFC 9068 tokens)",
    },
    Rule {
        cases: "typ/jwt",
        providers: OIDC,
        why: "typ compared case-insensitively, as media types are",
    },
    Rule {
        cases: "claim/iat/missing",
        providers: OIDC,
        why: "iat optional outside RFC 9068",
    },
    Rule {
        cases: "claim/jti/*",
        providers: OIDC,
        why: "jti optional and not read",
    },
    Rule {
        cases: "claim/client_id/*",
        providers: OIDC,
        why: "client_id optional and not read",
    },
];

/// Tokens the generated server REFUSES and the library accepts: each by a rule authgate states
/// in the generated README's security model (or, marked so, one issue 11 asks it to state).
const STRICTER: &[Rule] = &[
    // The algorithm allowlist: a published key of another algorithm is never used.
    Rule {
        cases: "alg/not-configured*",
        providers: ALL,
        why: "fixed algorithm allowlist",
    },
    // `exp` required; `iat` and `nbf` not in the future (beyond the leeway).
    Rule {
        cases: "claim/exp/missing",
        providers: ALL,
        why: "exp required",
    },
    Rule {
        cases: "iat/future-*",
        providers: ALL,
        why: "iat not in the future",
    },
    Rule {
        cases: "nbf/huge",
        providers: CLERK,
        why: "nbf not in the future (Clerk reads 1e20 as an invalid date)",
    },
    // The user id: a non-empty string of at most 256 bytes, always present.
    Rule {
        cases: "claim/sub/*",
        providers: ALL,
        why: "the user claim is a non-empty string",
    },
    Rule {
        cases: "claim/user_id/*",
        providers: ALL,
        why: "the user claim is a non-empty string",
    },
    Rule {
        cases: "user/empty",
        providers: ALL,
        why: "the user claim is a non-empty string",
    },
    Rule {
        cases: "user/300-bytes",
        providers: ALL,
        why: "user ids of at most 256 bytes",
    },
    // Strict types: a claim or header member of the wrong JSON type (or `null`) is a refusal.
    Rule {
        cases: "aud/array-with-number",
        providers: ALL,
        why: "aud is a string or an array of strings",
    },
    Rule {
        cases: "claim/aud/*",
        providers: CLERK,
        why: "aud, though not compared, has its type",
    },
    Rule {
        cases: "typ/number",
        providers: ALL,
        why: "typ is a string",
    },
    Rule {
        cases: "kid/number",
        providers: ALL,
        why: "kid is a string",
    },
    Rule {
        cases: "kid/null",
        providers: ALL,
        why: "kid, when present, is a string (null is not its absence)",
    },
    Rule {
        cases: "typ/null",
        providers: ALL,
        why: "typ, when present, is a string (null is not its absence)",
    },
    Rule {
        cases: "exp/huge",
        providers: ALL,
        why: "exp is whole seconds that fit in 64 bits (jsonwebtoken's NumericDate)",
    },
    Rule {
        cases: "scope/*",
        providers: AUTH0,
        why: "scope, which authgate reads, is a string",
    },
    Rule {
        cases: "permissions/*",
        providers: AUTH0,
        why: "permissions, which authgate reads, is a list of strings",
    },
    // No JWS extension is understood, so `crit` in any form is refused.
    Rule {
        cases: "crit/*",
        providers: ALL,
        why: "crit refused",
    },
    // A key-bound token (`cnf`) is not a bearer token.
    Rule {
        cases: "cnf/*",
        providers: ALL,
        why: "cnf refused",
    },
    // Clerk: session tokens only: `cat` absent or a session category (as authenticateRequest
    // decides; verifyToken alone refuses only the M2M category), `sid` a non-empty string, and
    // `iss` exactly CLERK_ISSUER (verifyToken checks no issuer).
    Rule {
        cases: "cat/*",
        providers: CLERK,
        why: "session tokens only (cat)",
    },
    Rule {
        cases: "claim/sid/*",
        providers: CLERK,
        why: "session tokens only (sid required)",
    },
    Rule {
        cases: "sid/empty",
        providers: CLERK,
        why: "session tokens only (sid required)",
    },
    Rule {
        cases: "claim/iss/*",
        providers: CLERK,
        why: "iss required and exactly CLERK_ISSUER",
    },
    Rule {
        cases: "iss/*",
        providers: CLERK,
        why: "iss required and exactly CLERK_ISSUER",
    },
    // Encoding: unpadded base64url of the URL-safe alphabet with no stray bits (RFC 7515 §2),
    // UTF-8 JSON without a byte order mark (RFC 8259 §8.1), no duplicate member names
    // (RFC 7515 §5.2: a JWS with them is refused or read last-wins; authgate refuses).
    // Issue 11 asks the generated README to name these three.
    Rule {
        cases: "b64/*",
        providers: ALL,
        why: "strict base64url",
    },
    Rule {
        cases: "json/payload-invalid-utf8",
        providers: ALL,
        why: "strict JSON: UTF-8 (RFC 8259 §8.1), also in claims authgate does not read",
    },
    Rule {
        cases: "json/payload-bom",
        providers: ALL,
        why: "strict JSON: no byte order mark",
    },
    Rule {
        cases: "json/header-bom",
        providers: ALL,
        why: "strict JSON: no byte order mark",
    },
    Rule {
        cases: "dup/*",
        providers: ALL,
        why: "duplicate JSON member names refused",
    },
    // The extractor refuses tokens over 8 KiB before parsing them.
    Rule {
        cases: "size/just-over-8KiB",
        providers: ALL,
        why: "8 KiB token limit",
    },
    Rule {
        cases: "size/16KiB",
        providers: ALL,
        why: "8 KiB token limit",
    },
];

/// Differences reported to the lead (issue 11) and not yet resolved: each is a failure, with
/// this explanation, until the verifier changes or the rule is named and moved to a list above;
/// then the entry must go (an entry that no longer occurs is a failure too).
const REPORTED: &[Rule] = &[];

// ---------------------------------------------------------------------------------------------
// The run

/// One token of the corpus with the library's decision.
#[derive(Deserialize)]
struct Case {
    name: String,
    token: String,
    /// The user id the token names (as the library read it, when it accepted it): the path.
    user: String,
    library: Decision,
    library_reason: String,
    /// The token's header and payload as text (as far as they decode), for reports.
    header: String,
    payload: String,
}

impl Case {
    fn describe(&self) -> String {
        format!("header: {}\n  payload: {}", self.header, self.payload)
    }
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "lowercase")]
enum Decision {
    Accept,
    Refuse,
}

/// How many cases fell in each class, for the report.
#[derive(Default, Debug)]
struct Counts {
    total: usize,
    both_accept: usize,
    both_refuse: usize,
    stricter: usize,
    deliberate: usize,
    /// On [`REPORTED`]: failures until resolved.
    reported: usize,
}

fn interop_dir() -> PathBuf {
    repo_dir().join("tests/interop/differential")
}

fn differential(scenario: &Scenario) {
    differential_with(scenario, None);
}

/// Builds the scenario's server, has the library decide the corpus, sends every token to the
/// server and compares. `key_mode` is the Node side's fourth argument (`jwks` for Clerk); the
/// rules of a run in a key mode are those of `<provider>-<mode>`.
fn differential_with(scenario: &Scenario, key_mode: Option<&str>) {
    let options = &scenario.options;
    assert!(
        options.user_in_path,
        "the differential test sends GET /api/{{user}}/{{resource}}"
    );
    let label = match key_mode {
        Some(mode) => format!("{}-{mode}", options.provider.as_str()),
        None => options.provider.as_str().to_owned(),
    };
    let provider = label.as_str();
    let algorithms: Vec<&str> = options.algorithms.iter().map(|alg| alg.as_str()).collect();
    let binary = generate(scenario).binary();

    let library = NodeServer::start(&interop_dir(), |command| {
        command.args([
            options.provider.as_str(),
            &algorithms.join(","),
            &options.user_claim,
        ]);
        command.args(key_mode);
    });
    let env: Vec<(String, String)> = library.ready()["env"]
        .as_object()
        .unwrap_or_else(|| panic!("no env in READY {}", library.ready()))
        .iter()
        .map(|(name, value)| (name.clone(), value.as_str().unwrap_or_default().to_owned()))
        .collect();
    let env: Vec<(&str, &str)> = env.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let mut api = RunningApi::start(&binary, &env);

    let cases: Vec<Case> = http_agent()
        .get(format!("http://127.0.0.1:{}/cases", library.port()))
        .call()
        .and_then(|mut response| response.body_mut().read_json())
        .unwrap_or_else(|e| panic!("GET /cases: {e}\n{}", library.log()));
    assert!(
        cases.len() >= 150 && cases.iter().any(|case| case.name.starts_with("valid/")),
        "only {} cases: {}",
        cases.len(),
        library.log()
    );

    let mut counts = Counts::default();
    let mut problems = Vec::new();
    let mut deliberate_seen: BTreeMap<&str, usize> = BTreeMap::new();
    let mut reported_seen: BTreeMap<&str, usize> = BTreeMap::new();
    for case in &cases {
        counts.total += 1;
        let path = format!(
            "/api/{}/{}",
            path_segment(&case.user),
            options.resources[0].name
        );
        let reply = api.call("GET", &path, Some(&case.token), None);
        let server = match reply.status {
            200 => Decision::Accept,
            401 => Decision::Refuse,
            status => {
                problems.push(format!(
                    "{}: the server answered {status} {} (library: {:?} {})",
                    case.name, reply.body, case.library, case.library_reason
                ));
                continue;
            }
        };
        if server != case.library
            && let Some(rule) = REPORTED.iter().find(|r| r.matches(provider, &case.name))
        {
            problems.push(format!(
                "{}: REPORTED, unresolved: {} (server {server:?}, library {:?}: {})\n  {}",
                case.name,
                rule.why,
                case.library,
                case.library_reason,
                case.describe()
            ));
            counts.reported += 1;
            *reported_seen.entry(rule.cases).or_default() += 1;
            continue;
        }
        if case.name.starts_with("valid/")
            && (server, case.library) != (Decision::Accept, Decision::Accept)
        {
            problems.push(format!(
                "{}: a valid token must pass both sides (server {server:?}, library {:?}: {}); \
                 the two are not configured alike",
                case.name, case.library, case.library_reason
            ));
            continue;
        }
        match (server, case.library) {
            (Decision::Accept, Decision::Accept) => counts.both_accept += 1,
            (Decision::Refuse, Decision::Refuse) => counts.both_refuse += 1,
            (Decision::Accept, Decision::Refuse) => {
                match DELIBERATE.iter().find(|r| r.matches(provider, &case.name)) {
                    Some(rule) => {
                        counts.deliberate += 1;
                        *deliberate_seen.entry(rule.cases).or_default() += 1;
                    }
                    None => problems.push(format!(
                        "{}: the server ACCEPTS what the library refuses ({}).\n  token: \
                         {}\n  {}",
                        case.name,
                        case.library_reason,
                        case.token,
                        case.describe()
                    )),
                }
            }
            (Decision::Refuse, Decision::Accept) => {
                if STRICTER.iter().any(|r| r.matches(provider, &case.name)) {
                    counts.stricter += 1;
                } else {
                    problems.push(format!(
                        "{}: the server refuses what the library accepts, by no named rule.\n  \
                         {}",
                        case.name,
                        case.describe()
                    ));
                }
            }
        }
    }
    let applies = |rule: &&Rule| rule.providers.is_empty() || rule.providers.contains(&provider);
    for (list, seen, name) in [
        (DELIBERATE, &deliberate_seen, "DELIBERATE"),
        (REPORTED, &reported_seen, "REPORTED"),
    ] {
        for rule in list.iter().filter(applies) {
            if !seen.contains_key(rule.cases) {
                problems.push(format!(
                    "`{}` ({}) no longer occurs for {provider}: remove it from {name}",
                    rule.cases, rule.why
                ));
            }
        }
    }
    eprintln!(
        "differential `{}` ({provider}, {}; library: {}): {} cases: {} both accept, {} both \
         refuse, {} stricter (authgate refuses, the library accepts), {} deliberate, {} reported",
        scenario.name,
        algorithms.join(", "),
        library.ready()["library"].as_str().unwrap_or("?"),
        counts.total,
        counts.both_accept,
        counts.both_refuse,
        counts.stricter,
        counts.deliberate,
        counts.reported
    );
    assert!(
        problems.is_empty(),
        "differential `{}`: {} problem(s):\n{}\n{}",
        scenario.name,
        problems.len(),
        problems.join("\n"),
        api.process.report()
    );
}

/// `user` as one path segment, percent-encoded.
fn path_segment(user: &str) -> String {
    let mut segment = String::new();
    for byte in user.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            segment.push(byte as char);
        } else {
            let _ = write!(segment, "%{byte:02X}");
        }
    }
    segment
}
