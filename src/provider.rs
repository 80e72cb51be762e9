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

/// An environment variable the generated project reads for a provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnvVar {
    pub name: &'static str,
    /// Why the project reads it, or when it is optional.
    pub meaning: &'static str,
    pub required: bool,
}

impl Provider {
    pub const ALL: [Provider; 5] = [
        Provider::BetterAuth,
        Provider::Auth0,
        Provider::Clerk,
        Provider::Oidc,
        Provider::SharedSecret,
    ];

    /// The name used on the command line and in `authgate.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::BetterAuth => "better-auth",
            Provider::Auth0 => "auth0",
            Provider::Clerk => "clerk",
            Provider::Oidc => "oidc",
            Provider::SharedSecret => "shared-secret",
        }
    }

    /// One line saying what the provider is, for `authgate providers` and the prompt.
    pub fn description(self) -> &'static str {
        match self {
            Provider::BetterAuth => "Better Auth (JWT plugin), keys from its JWKS endpoint",
            Provider::Auth0 => "Auth0 API access tokens",
            Provider::Clerk => "Clerk session tokens",
            Provider::Oidc => "any OpenID Connect issuer, configured through discovery",
            Provider::SharedSecret => "an issuer of your own that signs with a shared HMAC secret",
        }
    }

    /// Every algorithm the provider can sign with; the first one is the default.
    pub fn algorithms(self) -> &'static [Algorithm] {
        use Algorithm::*;
        match self {
            Provider::BetterAuth => &[EdDSA, ES256, ES512, RS256, PS256],
            Provider::Auth0 => &[RS256, PS256, HS256],
            Provider::Clerk => &[RS256],
            Provider::Oidc => &[
                RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA,
            ],
            Provider::SharedSecret => &[HS256, HS384, HS512],
        }
    }

    pub fn default_algorithm(self) -> Algorithm {
        self.algorithms()[0]
    }

    /// The claim that holds the user id in this provider's tokens, and what else the verifier needs.
    pub fn usual_user_claim(self) -> &'static str {
        match self {
            Provider::BetterAuth => "sub (the Better Auth user id)",
            Provider::Auth0 => "sub (`auth0|...`; machine tokens `{client}@clients`)",
            Provider::Clerk => "sub (`user_...`; `sid` is required too)",
            Provider::Oidc => "sub",
            Provider::SharedSecret => "sub, or whatever your issuer puts the user id in",
        }
    }

    /// The environment variables a project generated for this provider reads.
    pub fn env_vars(self) -> &'static [EnvVar] {
        // A macro, not a `const fn`: the slices must be promoted to `'static` constants.
        macro_rules! var {
            ($name:literal, $meaning:literal, $required:literal) => {
                EnvVar {
                    name: $name,
                    meaning: $meaning,
                    required: $required,
                }
            };
        }
        match self {
            Provider::BetterAuth => &[
                var!(
                    "BETTER_AUTH_URL",
                    "Better Auth base URL; JWKS at {origin}/api/auth/jwks",
                    true
                ),
                var!(
                    "JWT_ISSUER",
                    "overrides the issuer (default: the origin)",
                    false
                ),
                var!(
                    "JWT_AUDIENCE",
                    "overrides the audience (default: the origin)",
                    false
                ),
                var!("JWKS_URL", "overrides the JWKS URL", false),
            ],
            Provider::Auth0 => &[
                var!(
                    "AUTH0_DOMAIN",
                    "tenant host, e.g. example.eu.auth0.com",
                    true
                ),
                var!("AUTH0_AUDIENCE", "the API identifier", true),
                var!(
                    "AUTH0_SIGNING_SECRET",
                    "the API's signing secret, for HS256 only",
                    false
                ),
            ],
            Provider::Clerk => &[
                var!("CLERK_ISSUER", "the Frontend API URL", true),
                var!(
                    "CLERK_AUTHORIZED_PARTIES",
                    "comma-separated origins allowed in `azp`",
                    true
                ),
                var!(
                    "CLERK_JWT_KEY",
                    "PEM public key, for networkless verification",
                    false
                ),
            ],
            Provider::Oidc => &[
                var!(
                    "OIDC_ISSUER",
                    "issuer URL (discovery), matched exactly",
                    true
                ),
                var!("OIDC_AUDIENCE", "the expected audience", true),
            ],
            Provider::SharedSecret => &[
                var!(
                    "JWT_SECRET",
                    "the HMAC secret (at least as long as the hash)",
                    true
                ),
                var!("JWT_ISSUER", "the expected issuer", false),
                var!("JWT_AUDIENCE", "the expected audience", false),
            ],
        }
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
            None => self.check_verifiable(algorithms),
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

    /// Checks that the generated verifier can verify every algorithm, and that the combination
    /// is one the provider actually issues.
    fn check_verifiable(self, algorithms: &[Algorithm]) -> Result<(), UsageError> {
        if let Some(alg) = algorithms.iter().find(|alg| !alg.is_verifiable()) {
            let choices: Vec<&str> = self
                .algorithms()
                .iter()
                .filter(|a| a.is_verifiable())
                .map(|a| a.as_str())
                .collect();
            return Err(UsageError::UnverifiableAlgorithm {
                provider: self.as_str(),
                alg: alg.as_str(),
                choices: join_choices(&choices),
            });
        }
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

    /// Whether jsonwebtoken, the generated project's JWT library, can verify it.
    pub fn is_verifiable(self) -> bool {
        self != Algorithm::ES512
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
fn join_choices(names: &[&str]) -> String {
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
            assert!(provider.env_vars().iter().any(|var| var.required));
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
