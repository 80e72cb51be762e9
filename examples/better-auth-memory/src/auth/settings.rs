//! Authentication settings, read from the environment and validated at start.

use std::time::Duration;

use jsonwebtoken::Algorithm;
use reqwest::Url;

pub(super) use url_rules::require_secure_url;

/// The algorithms a token may be signed with. Fixed at generation time: the token's own header
/// never widens this list.
pub const ALGORITHMS: &[Algorithm] = &[Algorithm::EdDSA];

/// The claim that carries the user id.
pub const USER_ID_CLAIM: &str = "sub";

/// The longest clock leeway `JWT_LEEWAY_SECS` may set: five minutes.
const MAX_LEEWAY_SECS: u64 = 300;

/// Clock skew tolerated on `exp`, `nbf` and `iat`.
const LEEWAY: Duration = Duration::from_secs(30);

/// Where Better Auth's `jwt` plugin serves its keys, relative to the server's origin.
const BETTER_AUTH_JWKS_PATH: &str = "/api/auth/jwks";

/// Everything the verifier needs, resolved and validated, from:
///
/// - `BETTER_AUTH_URL` (required): the Better Auth server's base URL. Its origin is the issuer
///   and the audience, and the JWKS is served at `{origin}/api/auth/jwks`.
/// - `JWT_ISSUER`, `JWT_AUDIENCE`, `JWKS_URL` (optional): override those three when the `jwt`
///   plugin is configured with its own `issuer`, `audience` or `jwks.remoteUrl`.
///
/// `http://` is accepted only for loopback hosts.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// Expected `iss`, compared exactly.
    pub issuer: String,
    /// Expected `aud` (a token may carry it alone or inside an array).
    pub audience: String,
    /// The JWKS endpoint.
    pub jwks_url: Url,
    /// Clock skew tolerated on time claims.
    pub leeway: Duration,
    /// Fetching and caching of the key set.
    pub jwks: JwksSettings,
}

/// How the key set is fetched and cached.
#[derive(Debug, Clone)]
pub struct JwksSettings {
    /// Upper bound on one fetch, connect to last byte.
    pub fetch_timeout: Duration,
    /// How often the key set is refreshed in the background.
    pub refresh_interval: Duration,
    /// Minimum time between two refreshes triggered by an unknown `kid`, so that tokens with
    /// random key ids cannot turn the API into a JWKS request amplifier.
    pub min_refresh_interval: Duration,
    /// Longest wait between two attempts of the initial load.
    pub max_retry_backoff: Duration,
    /// The client of every fetch; it follows no redirect.
    pub(super) client: reqwest::Client,
}

/// How often the key set is refreshed, unless set otherwise, in seconds: every five minutes.
const REFRESH_INTERVAL_SECS: u64 = 300;

impl JwksSettings {
    /// The default timings, and the HTTP client. Building the client can only fail when the
    /// TLS backend cannot start; that is reported against `variable`, the URL the keys come
    /// from.
    fn new(variable: &'static str) -> Result<Self, SettingError> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| {
                SettingError::new(
                    variable,
                    format!("cannot build the HTTP client that fetches the keys ({e})"),
                )
            })?;
        Ok(Self {
            fetch_timeout: Duration::from_secs(5),
            refresh_interval: Duration::from_secs(REFRESH_INTERVAL_SECS),
            min_refresh_interval: Duration::from_secs(30),
            max_retry_backoff: Duration::from_secs(30),
            client,
        })
    }
}

/// One problem with one environment variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingError {
    /// The variable's name.
    pub variable: &'static str,
    /// What is wrong with its value, and how to fix it.
    pub problem: String,
}

impl SettingError {
    /// A problem with `variable`.
    pub fn new(variable: &'static str, problem: impl Into<String>) -> Self {
        Self {
            variable,
            problem: problem.into(),
        }
    }
}

impl std::fmt::Display for SettingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.variable, self.problem)
    }
}

impl AuthSettings {
    /// Reads the settings from the process environment.
    ///
    /// # Errors
    ///
    /// Every variable that is missing or not usable, each with what is wrong with it.
    pub fn from_env(production: bool) -> Result<Self, Vec<SettingError>> {
        Self::from_lookup(|name| std::env::var(name).ok(), production)
    }

    /// Reads the settings through `lookup`, reporting every bad variable at once. Values are
    /// trimmed, and a blank one counts as unset.
    ///
    /// # Errors
    ///
    /// As [`Self::from_env`].
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
        production: bool,
    ) -> Result<Self, Vec<SettingError>> {
        let var = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let mut errors = Vec::new();
        let leeway = var("JWT_LEEWAY_SECS").and_then(|raw| match raw.parse::<u64>() {
            Ok(secs) if secs <= MAX_LEEWAY_SECS => Some(Duration::from_secs(secs)),
            _ => {
                errors.push(SettingError::new(
                    "JWT_LEEWAY_SECS",
                    format!("`{raw}` is not a number of seconds from 0 to {MAX_LEEWAY_SECS}"),
                ));
                None
            }
        });
        match resolve(var, production, &mut errors) {
            Some(mut settings) if errors.is_empty() => {
                settings.leeway = leeway.unwrap_or(settings.leeway);
                Ok(settings)
            }
            _ => Err(errors),
        }
    }
}

/// The settings from the variables, or `None` with the reasons pushed to `errors`.
fn resolve(
    var: impl Fn(&str) -> Option<String>,
    production: bool,
    errors: &mut Vec<SettingError>,
) -> Option<AuthSettings> {
    let base_url = match var("BETTER_AUTH_URL") {
        None => {
            errors.push(SettingError::new(
                "BETTER_AUTH_URL",
                "must be set to the base URL of your Better Auth server, e.g. https://auth.example.com",
            ));
            None
        }
        Some(raw) => require_secure_url("BETTER_AUTH_URL", &raw, production)
            .map_err(|e| errors.push(e))
            .ok(),
    };
    let origin = base_url
        .as_ref()
        .map(|url| url.origin().ascii_serialization());

    let jwks_url = match var("JWKS_URL") {
        Some(raw) => require_secure_url("JWKS_URL", &raw, production)
            .map_err(|e| errors.push(e))
            .ok(),
        None => origin
            .as_ref()
            .and_then(|origin| Url::parse(&format!("{origin}{BETTER_AUTH_JWKS_PATH}")).ok()),
    };
    let issuer = var("JWT_ISSUER").or_else(|| origin.clone());
    let audience = var("JWT_AUDIENCE").or(origin);
    let jwks = JwksSettings::new("BETTER_AUTH_URL")
        .map_err(|e| errors.push(e))
        .ok();

    Some(AuthSettings {
        issuer: issuer?,
        audience: audience?,
        jwks_url: jwks_url?,
        leeway: LEEWAY,
        jwks: jwks?,
    })
}

mod url_rules {
    use reqwest::Url;
    use url::Host;

    use super::SettingError;

    /// Parses an absolute URL that the server will trust for keys: `https://`, or `http://` on
    /// a loopback host (a provider on the same machine, or a test).
    pub(crate) fn require_secure_url(
        variable: &'static str,
        raw: &str,
        production: bool,
    ) -> Result<Url, SettingError> {
        let url = Url::parse(raw).map_err(|e| {
            SettingError::new(variable, format!("`{raw}` is not an absolute URL ({e})"))
        })?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(SettingError::new(variable, "must not contain credentials"));
        }
        match url.scheme() {
            "https" => Ok(url),
            "http" if is_loopback(&url) => Ok(url),
            "http" => Err(SettingError::new(
                variable,
                format!(
                    "`{raw}` uses http:// on a non-loopback host{}; use https://",
                    if production { " in production" } else { "" }
                ),
            )),
            other => Err(SettingError::new(
                variable,
                format!("`{raw}` has scheme `{other}`; use https://"),
            )),
        }
    }

    fn is_loopback(url: &Url) -> bool {
        match url.host() {
            Some(Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
            Some(Host::Ipv4(ip)) => ip.is_loopback(),
            Some(Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        }
    }
}

#[cfg(test)]
impl AuthSettings {
    /// A valid environment for these settings, for tests here and in the rest of the crate ...
    pub(crate) const EXAMPLE_ENV: &[(&str, &str)] =
        &[("BETTER_AUTH_URL", "https://auth.example.com")];
    /// ... and one bad value in it: the error names its variable.
    pub(crate) const BAD_EXAMPLE_ENV: (&str, &str) = ("BETTER_AUTH_URL", "http://auth.example.com");
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<AuthSettings, Vec<SettingError>> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        AuthSettings::from_lookup(|name| vars.get(name).cloned(), true)
    }

    fn variables(errors: &[SettingError]) -> Vec<&'static str> {
        errors.iter().map(|e| e.variable).collect()
    }

    #[test]
    fn the_example_environment_is_valid_and_its_bad_value_is_named() {
        assert!(settings(AuthSettings::EXAMPLE_ENV).is_ok());
        let bad = AuthSettings::BAD_EXAMPLE_ENV;
        let errors = settings(&[AuthSettings::EXAMPLE_ENV, &[bad]].concat()).unwrap_err();
        assert_eq!(variables(&errors), [bad.0]);
    }

    #[test]
    fn the_leeway_can_be_set_from_0_to_300_seconds() {
        let with = |value: &str| {
            let mut vars = AuthSettings::EXAMPLE_ENV.to_vec();
            vars.push(("JWT_LEEWAY_SECS", value));
            settings(&vars)
        };
        assert_eq!(settings(AuthSettings::EXAMPLE_ENV).unwrap().leeway, LEEWAY);
        assert_eq!(with("0").unwrap().leeway, Duration::ZERO);
        assert_eq!(with("300").unwrap().leeway.as_secs(), 300);
        for bad in ["301", "-1", "5s", "1.5"] {
            assert_eq!(
                variables(&with(bad).unwrap_err()),
                ["JWT_LEEWAY_SECS"],
                "{bad}"
            );
        }
    }

    #[test]
    fn issuer_audience_and_jwks_derive_from_the_origin() {
        let s = settings(&[("BETTER_AUTH_URL", "https://auth.example.com/some/path/")]).unwrap();
        assert_eq!(s.issuer, "https://auth.example.com");
        assert_eq!(s.audience, "https://auth.example.com");
        assert_eq!(
            s.jwks_url.as_str(),
            "https://auth.example.com/api/auth/jwks"
        );
    }

    #[test]
    fn overrides_win() {
        let s = settings(&[
            ("BETTER_AUTH_URL", "https://auth.example.com"),
            ("JWT_ISSUER", "https://issuer.example.com"),
            ("JWT_AUDIENCE", "my-api"),
            ("JWKS_URL", "https://keys.example.com/jwks"),
        ])
        .unwrap();
        assert_eq!(s.issuer, "https://issuer.example.com");
        assert_eq!(s.audience, "my-api");
        assert_eq!(s.jwks_url.as_str(), "https://keys.example.com/jwks");
    }

    #[test]
    fn plain_http_only_on_loopback() {
        assert!(settings(&[("BETTER_AUTH_URL", "http://127.0.0.1:3000")]).is_ok());
        assert!(settings(&[("BETTER_AUTH_URL", "http://localhost:3000")]).is_ok());
        assert!(settings(&[("BETTER_AUTH_URL", "http://[::1]:3000")]).is_ok());
        let errors = settings(&[
            ("BETTER_AUTH_URL", "http://auth.example.com"),
            ("JWKS_URL", "ftp://keys.example.com"),
        ])
        .unwrap_err();
        assert_eq!(variables(&errors), ["BETTER_AUTH_URL", "JWKS_URL"]);
    }

    #[test]
    fn missing_url_is_reported() {
        assert_eq!(variables(&settings(&[]).unwrap_err()), ["BETTER_AUTH_URL"]);
    }
}
