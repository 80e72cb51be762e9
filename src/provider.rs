//! The identity providers authgate knows, and what each of them can sign with.
//!
//! Facts here come from each provider's documentation (see the repository's provider reference):
//! the algorithms a provider can actually sign with, the claim that usually holds the user id, and
//! the environment variables the generated project reads for it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::UsageError;

/// An identity provider whose tokens the generated project verifies.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    clap::ValueEnum,
    Serialize,
    Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Provider {
    /// Better Auth with its JWT plugin; keys from its JWKS endpoint.
    BetterAuth,
    /// An Auth0 API (tenant domain and API identifier).
    Auth0,
    /// Clerk session tokens.
    Clerk,
    /// Any OpenID Connect issuer, found through discovery.
    Oidc,
    /// An issuer of your own that signs with a shared HMAC secret.
    SharedSecret,
}

/// A JWS signing algorithm, spelled as in RFC 7518 (`EdDSA`, `RS256`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Algorithm {
    HS256,
    HS384,
    HS512,
    RS256,
    RS384,
    RS512,
    PS256,
    PS384,
    PS512,
    ES256,
    ES384,
    ES512,
    EdDSA,
}

/// Where the generated verifier gets the keys that check a token's signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeySource {
    /// A JWKS document at a URL derived from the provider's settings.
    Jwks,
    /// OpenID Connect discovery: the issuer's metadata names its `jwks_uri`.
    Discovery,
    /// One HMAC secret shared with the issuer.
    Secret,
}

impl KeySource {
    pub fn as_str(self) -> &'static str {
        match self {
            KeySource::Jwks => "jwks",
            KeySource::Discovery => "discovery",
            KeySource::Secret => "secret",
        }
    }

    /// Keys fetched over the network (and cached), as opposed to a secret in the environment.
    pub fn is_remote(self) -> bool {
        self != KeySource::Secret
    }
}

/// An environment variable the generated project reads for a provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EnvVar {
    pub name: &'static str,
    /// Why the project reads it, or when it is optional.
    pub meaning: &'static str,
    pub required: bool,
    /// A value to show in `.env.example` (empty: the user must supply one, e.g. a secret);
    /// `{resource}` stands for the resource's plural name.
    pub example: &'static str,
    /// Read only when the keys come from this source (`None`: always read).
    #[serde(skip)]
    pub only_with: Option<KeySource>,
}

/// Whether tokens must carry `aud`, and whether it is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClaimRule {
    /// Required, and compared with the configured value.
    Required,
    /// Compared when the project is configured with a value; else unchecked.
    WhenConfigured,
    /// Not issued by the provider, never checked.
    Absent,
}

/// Everything authgate knows about one identity provider, in one row: the CLI (`providers`,
/// validation, prompts) and the templates (through the render context) both read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProviderSpec {
    pub provider: Provider,
    /// Its name in prose: "Better Auth".
    pub name: &'static str,
    /// One line saying what is verified, for `authgate providers` and the prompt.
    pub summary: &'static str,
    /// Who the API's users are, as in "data owned by Clerk users".
    pub users: &'static str,
    /// Every algorithm the provider can sign with; the first one is the default.
    pub algorithms: &'static [Algorithm],
    /// The claim that holds the user id in its tokens.
    pub user_claim: &'static str,
    /// What that claim holds, and what else the verifier needs.
    pub user_claim_note: &'static str,
    /// Clock skew tolerated on `exp`, `nbf` and `iat`, as the provider's own library allows.
    pub leeway_secs: u64,
    /// The `typ` header of its tokens (`None`: it sends none).
    pub token_typ: Option<&'static str>,
    /// The `typ` headers a token may carry (absent is accepted too). Empty: `typ` is not
    /// checked.
    pub accepted_typ: &'static [&'static str],
    /// Whether `accepted_typ` is compared as media types are, case-insensitively (RFC 7515
    /// §4.1.9), or exactly, as the provider's own library does.
    pub typ_ignores_case: bool,
    /// How `aud` is checked.
    pub audience: ClaimRule,
    /// Where public keys come from; `None` for a provider that only shares a secret.
    pub public_keys: Option<KeySource>,
    /// Whether a token must name its public key (`kid`), as the provider's own library
    /// requires; else a token without one is verified with the key set's only key for its
    /// algorithm, as `jose` and Auth0's library choose.
    pub kid_required: bool,
    /// The verification library its users would otherwise call, configured as the provider
    /// documents: the reference of the differential test (`tests/differential/`).
    pub library: &'static str,
    /// What this provider's project refuses that its library accepts, beyond the rules every
    /// project has (the generated README's security model lists both).
    pub stricter: &'static [&'static str],
    /// What its project accepts that the library refuses, on purpose.
    pub laxer: &'static [&'static str],
    /// Every environment variable its project can read.
    pub env: &'static [EnvVar],
    /// Features of `jsonwebtoken` its module needs besides the crypto backend.
    pub jsonwebtoken_features: &'static [&'static str],
}

macro_rules! var {
    ($name:literal, $required:literal, $example:literal, $meaning:literal) => {
        EnvVar {
            name: $name,
            meaning: $meaning,
            required: $required,
            example: $example,
            only_with: None,
        }
    };
    ($name:literal, $required:literal, $example:literal, $meaning:literal, $keys:expr) => {
        EnvVar {
            name: $name,
            meaning: $meaning,
            required: $required,
            example: $example,
            only_with: Some($keys),
        }
    };
}

/// The variables every provider's auth module reads.
static COMMON_ENV: &[EnvVar] = &[var!(
    "JWT_LEEWAY_SECS",
    false,
    "",
    "the clock leeway on exp, nbf and iat, in seconds (0 to 300; default: the provider's)"
)];

/// The provider table. Adding a provider is a row here, a variant of [`Provider`] and a folder
/// `templates/providers/<name>/`.
static PROVIDERS: [ProviderSpec; 5] = {
    use Algorithm::*;
    [
        ProviderSpec {
            provider: Provider::BetterAuth,
            name: "Better Auth",
            summary: "Better Auth (JWT plugin), keys from its JWKS endpoint",
            users: "Better Auth users",
            algorithms: &[EdDSA, ES256, ES512, RS256, PS256],
            user_claim: "sub",
            user_claim_note: "the Better Auth user id",
            leeway_secs: 30,
            token_typ: None,
            accepted_typ: &[],
            typ_ignores_case: false,
            audience: ClaimRule::Required,
            public_keys: Some(KeySource::Jwks),
            kid_required: false,
            library: "`jose`'s `jwtVerify` with `createRemoteJWKSet`, as Better Auth's docs call it",
            stricter: &[],
            laxer: &[
                "a token inside the clock leeway past `exp` or before `nbf` (jose allows none by default)",
            ],
            env: &[
                var!(
                    "BETTER_AUTH_URL",
                    true,
                    "http://localhost:3000",
                    "the base URL of your Better Auth server; its origin is the expected issuer and audience, and the keys are at {origin}/api/auth/jwks"
                ),
                var!(
                    "JWT_ISSUER",
                    false,
                    "",
                    "overrides the expected issuer (default: the origin), when the jwt plugin sets its own"
                ),
                var!(
                    "JWT_AUDIENCE",
                    false,
                    "",
                    "overrides the expected audience (default: the origin), when the jwt plugin sets its own"
                ),
                var!(
                    "JWKS_URL",
                    false,
                    "",
                    "overrides {origin}/api/auth/jwks, when the jwt plugin sets jwks.remoteUrl"
                ),
            ],
            jsonwebtoken_features: &[],
        },
        ProviderSpec {
            provider: Provider::Auth0,
            name: "Auth0",
            summary: "Auth0 API access tokens",
            users: "Auth0 users",
            algorithms: &[RS256, PS256, HS256],
            user_claim: "sub",
            user_claim_note: "`auth0|...`; machine tokens `{client}@clients`",
            leeway_secs: 5,
            token_typ: Some("JWT"),
            accepted_typ: &[],
            typ_ignores_case: false,
            audience: ClaimRule::Required,
            public_keys: Some(KeySource::Jwks),
            kid_required: false,
            library: "`express-oauth2-jwt-bearer`",
            stricter: &["`scope` a string and `permissions` a list of strings"],
            laxer: &[],
            env: &[
                var!(
                    "AUTH0_DOMAIN",
                    true,
                    "example.eu.auth0.com",
                    "your tenant's domain; the issuer is https://{domain}/, with its trailing slash"
                ),
                var!(
                    "AUTH0_AUDIENCE",
                    true,
                    "https://api.example.com",
                    "the identifier of this API (Auth0 dashboard: Applications → APIs)"
                ),
                var!(
                    "AUTH0_SIGNING_SECRET",
                    true,
                    "",
                    "the API's signing secret (Applications → APIs → Settings), at least 32 bytes",
                    KeySource::Secret
                ),
                var!(
                    "JWKS_URL",
                    false,
                    "",
                    "overrides https://{domain}/.well-known/jwks.json, e.g. for a custom domain or a proxy",
                    KeySource::Jwks
                ),
                var!(
                    "AUTH0_WRITE_SCOPE",
                    false,
                    "write:{resource}",
                    "a scope or permission that POST, PUT, PATCH and DELETE require"
                ),
            ],
            jsonwebtoken_features: &[],
        },
        ProviderSpec {
            provider: Provider::Clerk,
            name: "Clerk",
            summary: "Clerk session tokens",
            users: "Clerk users",
            algorithms: &[RS256],
            user_claim: "sub",
            user_claim_note: "`user_...`; `sid` is required too",
            leeway_secs: 5,
            token_typ: Some("JWT"),
            accepted_typ: &["JWT"],
            typ_ignores_case: false,
            audience: ClaimRule::Absent,
            public_keys: Some(KeySource::Jwks),
            // @clerk/backend looks its keys up by `kid` only.
            kid_required: true,
            library: "`@clerk/backend`'s `verifyToken`",
            stricter: &[
                "session tokens only: the `cat` header absent or a session category, `sid` present",
                "`iss` required and exactly `CLERK_ISSUER` (`verifyToken` checks no issuer)",
                "`aud`, when present, a string or an array of strings",
            ],
            laxer: &[],
            env: &[
                var!(
                    "CLERK_ISSUER",
                    true,
                    "https://clerk.example.com",
                    "your instance's Frontend API URL (Clerk dashboard → API keys)"
                ),
                var!(
                    "CLERK_AUTHORIZED_PARTIES",
                    true,
                    "http://localhost:3000",
                    "comma-separated origins of your front ends, allowed in `azp` (required in production)"
                ),
                // Read as PEM: hence `jsonwebtoken_features` below.
                var!(
                    "CLERK_JWT_KEY",
                    false,
                    "",
                    "the instance's PEM public key, to verify without fetching the JWKS (\\n escapes accepted)"
                ),
                var!(
                    "JWKS_URL",
                    false,
                    "",
                    "overrides {issuer}/.well-known/jwks.json"
                ),
            ],
            jsonwebtoken_features: &["use_pem"],
        },
        ProviderSpec {
            provider: Provider::Oidc,
            name: "OpenID Connect",
            summary: "any OpenID Connect issuer, configured through discovery",
            users: "users of your OpenID Connect provider",
            algorithms: &[
                RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA,
            ],
            user_claim: "sub",
            user_claim_note: "the subject the issuer assigns",
            leeway_secs: 30,
            token_typ: Some("at+jwt"),
            accepted_typ: &["JWT", "at+jwt", "application/at+jwt"],
            typ_ignores_case: true,
            audience: ClaimRule::Required,
            public_keys: Some(KeySource::Discovery),
            kid_required: false,
            library: "`oauth4webapi`'s `validateJwtAccessToken` (RFC 9068)",
            stricter: &[],
            laxer: &[
                "access tokens outside the RFC 9068 profile: `typ` absent or `JWT`, no `iat`, and `jti` and `client_id` missing or of any type (this API reads neither)",
            ],
            env: &[
                var!(
                    "OIDC_ISSUER",
                    true,
                    "https://login.example.com",
                    "your provider's issuer, exactly as in its tokens and its discovery document"
                ),
                var!(
                    "OIDC_AUDIENCE",
                    true,
                    "https://api.example.com",
                    "the audience your provider puts in this API's access tokens: its identifier, never a client id"
                ),
            ],
            jsonwebtoken_features: &[],
        },
        ProviderSpec {
            provider: Provider::SharedSecret,
            name: "your issuer",
            summary: "an issuer of your own that signs with a shared HMAC secret",
            users: "users of your issuer",
            algorithms: &[HS256, HS384, HS512],
            user_claim: "sub",
            user_claim_note: "or whatever your issuer puts the user id in",
            leeway_secs: 30,
            token_typ: Some("JWT"),
            accepted_typ: &[],
            typ_ignores_case: false,
            audience: ClaimRule::WhenConfigured,
            public_keys: None,
            kid_required: false,
            library: "`jose`'s `jwtVerify` with the secret (there is no provider library)",
            stricter: &[],
            laxer: &[
                "a token inside the clock leeway past `exp` or before `nbf` (jose allows none by default)",
            ],
            env: &[
                var!(
                    "JWT_SECRET",
                    true,
                    "",
                    "the HMAC secret shared with your issuer, at least as long as the hash (32 bytes for HS256, 48 for HS384, 64 for HS512)"
                ),
                var!(
                    "JWT_ISSUER",
                    false,
                    "",
                    "when set, tokens must carry exactly this `iss`"
                ),
                var!(
                    "JWT_AUDIENCE",
                    false,
                    "",
                    "when set, tokens must carry this audience in `aud` (alone or in an array)"
                ),
            ],
            jsonwebtoken_features: &[],
        },
    ]
};

impl ProviderSpec {
    /// Where the keys come from for this allowlist: an HMAC algorithm means the shared secret
    /// (validation never mixes HMAC with public-key algorithms).
    pub fn key_source(&self, algorithms: &[Algorithm]) -> KeySource {
        match self.public_keys {
            Some(keys) if !algorithms.iter().any(|alg| alg.is_hmac()) => keys,
            _ => KeySource::Secret,
        }
    }

    /// The variables a project with this key source reads: the provider's, then those of
    /// every provider.
    pub fn env_for(&self, keys: KeySource) -> impl Iterator<Item = &'static EnvVar> {
        self.all_env()
            .filter(move |var| var.only_with.is_none_or(|only| only == keys))
    }

    /// Every variable its project can read, whatever the key source.
    pub fn all_env(&self) -> impl Iterator<Item = &'static EnvVar> {
        self.env.iter().chain(COMMON_ENV)
    }
}

impl Provider {
    pub const ALL: [Provider; 5] = [
        Provider::BetterAuth,
        Provider::Auth0,
        Provider::Clerk,
        Provider::Oidc,
        Provider::SharedSecret,
    ];

    /// The name used on the command line, in `authgate.toml` and as the template folder.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::BetterAuth => "better-auth",
            Provider::Auth0 => "auth0",
            Provider::Clerk => "clerk",
            Provider::Oidc => "oidc",
            Provider::SharedSecret => "shared-secret",
        }
    }

    /// This provider's row of the provider table.
    pub fn spec(self) -> &'static ProviderSpec {
        PROVIDERS
            .iter()
            .find(|spec| spec.provider == self)
            .expect("every provider has a row in the provider table")
    }

    /// Every algorithm the provider can sign with; the first one is the default.
    pub fn algorithms(self) -> &'static [Algorithm] {
        self.spec().algorithms
    }

    pub fn default_algorithm(self) -> Algorithm {
        self.algorithms()[0]
    }

    /// Checks that this provider can sign with every algorithm given.
    pub fn check_algorithms(self, algorithms: &[Algorithm]) -> Result<(), UsageError> {
        if algorithms.is_empty() {
            return Err(UsageError::NoAlgorithm {
                provider: self.as_str(),
                choices: self.algorithm_choices(),
            });
        }
        let supported = self.algorithms();
        match algorithms.iter().find(|alg| !supported.contains(alg)) {
            None => self.check_combination(algorithms),
            Some(alg) => Err(match self {
                Provider::BetterAuth if alg.is_hmac() => {
                    UsageError::BetterAuthHmac { alg: alg.as_str() }
                }
                Provider::Clerk => UsageError::ClerkRs256Only,
                _ => UsageError::AlgorithmNotForProvider {
                    provider: self.as_str(),
                    alg: alg.as_str(),
                    choices: self.algorithm_choices(),
                },
            }),
        }
    }

    /// Checks that the combination is one the provider actually issues.
    fn check_combination(self, algorithms: &[Algorithm]) -> Result<(), UsageError> {
        if self == Provider::Auth0
            && algorithms.contains(&Algorithm::HS256)
            && let Some(alg) = algorithms.iter().find(|alg| !alg.is_hmac())
        {
            return Err(UsageError::Auth0MixedHmac { alg: alg.as_str() });
        }
        Ok(())
    }

    /// Parses algorithm names (case-insensitive) for this provider, in order, without repeats.
    pub fn parse_algorithms<S: AsRef<str>>(
        self,
        names: &[S],
    ) -> Result<Vec<Algorithm>, UsageError> {
        let mut algorithms = Vec::new();
        // `--alg ""` or a trailing comma gives empty names: nothing to parse there.
        for name in names
            .iter()
            .map(|n| n.as_ref().trim())
            .filter(|n| !n.is_empty())
        {
            let alg = name
                .parse::<Algorithm>()
                .map_err(|_| UsageError::UnknownAlgorithm {
                    alg: name.to_owned(),
                    provider: self.as_str(),
                    choices: self.algorithm_choices(),
                })?;
            if !algorithms.contains(&alg) {
                algorithms.push(alg);
            }
        }
        Ok(algorithms)
    }

    /// "EdDSA, ES256, ES512, RS256 or PS256".
    pub fn algorithm_choices(self) -> String {
        let names: Vec<&str> = self.algorithms().iter().map(|a| a.as_str()).collect();
        join_choices(&names)
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl Algorithm {
    pub const ALL: [Algorithm; 13] = [
        Algorithm::HS256,
        Algorithm::HS384,
        Algorithm::HS512,
        Algorithm::RS256,
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::ES512,
        Algorithm::EdDSA,
    ];

    /// The canonical spelling (RFC 7518 / RFC 8037).
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::HS256 => "HS256",
            Algorithm::HS384 => "HS384",
            Algorithm::HS512 => "HS512",
            Algorithm::RS256 => "RS256",
            Algorithm::RS384 => "RS384",
            Algorithm::RS512 => "RS512",
            Algorithm::PS256 => "PS256",
            Algorithm::PS384 => "PS384",
            Algorithm::PS512 => "PS512",
            Algorithm::ES256 => "ES256",
            Algorithm::ES384 => "ES384",
            Algorithm::ES512 => "ES512",
            Algorithm::EdDSA => "EdDSA",
        }
    }

    /// HMAC algorithms verify with a shared secret instead of a public key.
    pub fn is_hmac(self) -> bool {
        matches!(self, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512)
    }

    /// RFC 7518 §3.2: an HMAC key must be at least as long as the hash output.
    pub fn min_secret_bytes(self) -> Option<usize> {
        match self {
            Algorithm::HS256 => Some(32),
            Algorithm::HS384 => Some(48),
            Algorithm::HS512 => Some(64),
            _ => None,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// The name is not a JWS algorithm authgate knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownAlgorithm;

impl FromStr for Algorithm {
    type Err = UnknownAlgorithm;

    /// Case-insensitive: `eddsa`, `EDDSA` and `EdDSA` are all [`Algorithm::EdDSA`].
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Algorithm::ALL
            .into_iter()
            .find(|alg| alg.as_str().eq_ignore_ascii_case(name))
            .ok_or(UnknownAlgorithm)
    }
}

impl Serialize for Algorithm {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// "a, b or c".
pub(crate) fn join_choices(names: &[&str]) -> String {
    match names.split_last() {
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn algorithm_names_are_case_insensitive_and_canonical_on_output() {
        for alg in Algorithm::ALL {
            assert_eq!(alg.as_str().to_lowercase().parse::<Algorithm>(), Ok(alg));
            assert_eq!(alg.as_str().to_uppercase().parse::<Algorithm>(), Ok(alg));
        }
        assert_eq!("eddsa".parse::<Algorithm>().unwrap().to_string(), "EdDSA");
        assert!("none".parse::<Algorithm>().is_err());
    }

    #[test]
    fn every_provider_has_a_default_it_can_sign_with() {
        for provider in Provider::ALL {
            let default = provider.default_algorithm();
            assert_eq!(provider.check_algorithms(&[default]), Ok(()));
            assert!(provider.spec().env.iter().any(|var| var.required));
        }
        assert_eq!(Provider::BetterAuth.default_algorithm(), Algorithm::EdDSA);
        assert_eq!(Provider::Auth0.default_algorithm(), Algorithm::RS256);
        assert_eq!(Provider::Oidc.default_algorithm(), Algorithm::RS256);
        assert_eq!(Provider::SharedSecret.default_algorithm(), Algorithm::HS256);
    }

    #[test]
    fn refusals_explain_the_provider() {
        assert_eq!(
            Provider::BetterAuth.check_algorithms(&[Algorithm::HS256]),
            Err(UsageError::BetterAuthHmac { alg: "HS256" })
        );
        assert_eq!(
            Provider::Clerk.check_algorithms(&[Algorithm::RS256, Algorithm::ES256]),
            Err(UsageError::ClerkRs256Only)
        );
        let err = Provider::Auth0
            .check_algorithms(&[Algorithm::EdDSA])
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "auth0 cannot sign with EdDSA; choose RS256, PS256 or HS256"
        );
        let err = Provider::BetterAuth
            .check_algorithms(&[Algorithm::ES384])
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "better-auth cannot sign with ES384; choose EdDSA, ES256, ES512, RS256 or PS256"
        );
    }

    #[test]
    fn parsing_keeps_order_and_drops_repeats() {
        let algs = Provider::Oidc
            .parse_algorithms(&["es256", " RS256 ", "ES256"])
            .unwrap();
        assert_eq!(algs, vec![Algorithm::ES256, Algorithm::RS256]);
        assert_eq!(Provider::Oidc.parse_algorithms(&["", " "]).unwrap(), vec![]);
        let err = Provider::Clerk.parse_algorithms(&["XX1"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown algorithm `XX1`; clerk signs with RS256"
        );
    }
}
