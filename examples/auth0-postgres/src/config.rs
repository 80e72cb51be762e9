//! Typed settings from the environment, validated once at start. Every problem is collected
//! so that a misconfigured deployment is fixed in one round, not one variable at a time.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::time::Duration;

use axum::http::HeaderValue;

use crate::auth::{AuthSettings, SettingError};
use crate::client_ip::TrustedProxies;
use crate::server::ServerSettings;
use crate::store::DatabaseSettings;

/// Largest request body accepted, in bytes.
pub const BODY_LIMIT_BYTES: usize = 64 * 1024;
/// Longest time a request may take before it is answered with 408.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Production,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub app_env: AppEnv,
    pub host: IpAddr,
    pub port: u16,
    pub database: DatabaseSettings,
    pub cors_allowed_origins: Vec<HeaderValue>,
    /// Per client address; `None` turns it off (`RATE_LIMIT_PER_SECOND=0`).
    pub rate_limit: Option<RateLimit>,
    /// Per authenticated user; `None` turns it off (`RATE_LIMIT_PER_USER_PER_SECOND=0`).
    pub user_rate_limit: Option<RateLimit>,
    /// The proxies whose `X-Forwarded-For` or `Forwarded` names the client (`TRUSTED_PROXIES`).
    pub trusted_proxies: TrustedProxies,
    pub server: ServerSettings,
    /// Where `/metrics` is served (`METRICS_ADDR`); `None`: nowhere.
    pub metrics_addr: Option<SocketAddr>,
    pub auth: AuthSettings,
}

/// A request rate: `per_second` sustained, `burst` at once.
#[derive(Debug, Clone, Copy)]
pub struct RateLimit {
    pub per_second: NonZeroU32,
    pub burst: NonZeroU32,
}

/// Every bad variable found at start.
#[derive(Debug)]
pub struct ConfigError(pub Vec<SettingError>);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.0.len();
        let problems = if count == 1 { "problem" } else { "problems" };
        writeln!(f, "invalid configuration ({count} {problems}):")?;
        for error in &self.0 {
            writeln!(f, "  - {error}")?;
        }
        write!(
            f,
            "set these variables in the environment or in .env (see .env.example)"
        )
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut errors = Vec::new();
        let var = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };

        let app_env = match var("APP_ENV").as_deref() {
            None | Some("development") => AppEnv::Development,
            Some("production") => AppEnv::Production,
            Some(other) => {
                errors.push(SettingError::new(
                    "APP_ENV",
                    format!("`{other}` is neither `development` nor `production`"),
                ));
                AppEnv::Development
            }
        };
        let production = app_env == AppEnv::Production;

        let host = parse_or(
            &mut errors,
            "HOST",
            var("HOST"),
            "127.0.0.1".parse().unwrap(),
            "an IP address, e.g. 127.0.0.1 or 0.0.0.0",
        );
        let port = parse_or(
            &mut errors,
            "PORT",
            var("PORT"),
            8080,
            "a port number (0-65535)",
        );
        let rate_limit = read_rate_limit(
            &mut errors,
            ("RATE_LIMIT_PER_SECOND", var("RATE_LIMIT_PER_SECOND"), 10),
            ("RATE_LIMIT_BURST", var("RATE_LIMIT_BURST"), 20),
        );
        let user_rate_limit = read_rate_limit(
            &mut errors,
            (
                "RATE_LIMIT_PER_USER_PER_SECOND",
                var("RATE_LIMIT_PER_USER_PER_SECOND"),
                10,
            ),
            (
                "RATE_LIMIT_PER_USER_BURST",
                var("RATE_LIMIT_PER_USER_BURST"),
                20,
            ),
        );
        let trusted_proxies = TrustedProxies::parse(&var("TRUSTED_PROXIES").unwrap_or_default())
            .unwrap_or_else(|problem| {
                errors.push(SettingError::new("TRUSTED_PROXIES", problem));
                TrustedProxies::default()
            });
        let server = ServerSettings::from_lookup(var, &mut errors);
        let metrics_addr = var("METRICS_ADDR").and_then(|raw| {
            raw.parse()
                .map_err(|_| {
                    errors.push(SettingError::new(
                        "METRICS_ADDR",
                        format!("`{raw}` is not an address and port, e.g. 127.0.0.1:9100"),
                    ));
                })
                .ok()
        });

        let database = DatabaseSettings::from_lookup(var, &mut errors);

        let mut cors_allowed_origins = Vec::new();
        for origin in var("CORS_ALLOWED_ORIGINS")
            .iter()
            .flat_map(|v| v.split(','))
        {
            let origin = origin.trim();
            if origin.is_empty() {
                continue;
            }
            if origin == "*" {
                if production {
                    errors.push(SettingError::new(
                        "CORS_ALLOWED_ORIGINS",
                        "`*` is refused in production; list the origins of your front ends",
                    ));
                } else {
                    tracing::warn!(
                        "CORS_ALLOWED_ORIGINS=* is ignored; list the origins of your front ends"
                    );
                }
                continue;
            }
            match reqwest::Url::parse(origin) {
                Ok(url)
                    if url.origin().is_tuple()
                        && url.origin().ascii_serialization() == origin.trim_end_matches('/') =>
                {
                    if let Ok(value) = HeaderValue::from_str(&url.origin().ascii_serialization()) {
                        cors_allowed_origins.push(value);
                    }
                }
                _ => errors.push(SettingError::new(
                    "CORS_ALLOWED_ORIGINS",
                    format!("`{origin}` is not an origin like https://app.example.com"),
                )),
            }
        }

        let auth = AuthSettings::from_lookup(&lookup, production)
            .map_err(|auth_errors| errors.extend(auth_errors));

        match auth {
            Ok(auth) if errors.is_empty() => Ok(Self {
                app_env,
                host,
                port,
                database,
                cors_allowed_origins,
                rate_limit,
                user_rate_limit,
                trusted_proxies,
                server,
                metrics_addr,
                auth,
            }),
            _ => Err(ConfigError(errors)),
        }
    }
}

/// A rate from its two variables, each `(name, value, default)`: a rate of 0 turns it off.
fn read_rate_limit(
    errors: &mut Vec<SettingError>,
    (rate_name, rate, default_rate): (&'static str, Option<String>, u32),
    (burst_name, burst, default_burst): (&'static str, Option<String>, u32),
) -> Option<RateLimit> {
    let per_second = parse_or(
        errors,
        rate_name,
        rate,
        default_rate,
        "a whole number of requests per second (0 turns the limit off)",
    );
    let burst = parse_or(
        errors,
        burst_name,
        burst,
        default_burst,
        "a whole number of requests",
    );
    match (NonZeroU32::new(per_second), NonZeroU32::new(burst)) {
        (None, _) => None,
        (Some(per_second), Some(burst)) => Some(RateLimit { per_second, burst }),
        (Some(_), None) => {
            errors.push(SettingError::new(
                burst_name,
                format!("must be at least 1 while {rate_name} is set"),
            ));
            None
        }
    }
}

/// `raw` parsed as a `T`, or `default` when it is unset or does not parse (then the problem,
/// that `variable` is not `expected`, is pushed onto `errors`).
pub(crate) fn parse_or<T: std::str::FromStr>(
    errors: &mut Vec<SettingError>,
    variable: &'static str,
    raw: Option<String>,
    default: T,
    expected: &str,
) -> T {
    match raw {
        None => default,
        Some(raw) => raw.parse().unwrap_or_else(|_| {
            errors.push(SettingError::new(
                variable,
                format!("`{raw}` is not {expected}"),
            ));
            default
        }),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// The configuration from the example environments of the parts that read their own
    /// settings, and `vars` (which win).
    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<_, _> = AuthSettings::EXAMPLE_ENV
            .iter()
            .chain(DatabaseSettings::EXAMPLE_ENV)
            .chain(vars)
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_need_only_the_provider() {
        let config = config(&[]).unwrap();
        assert_eq!(config.app_env, AppEnv::Development);
        assert_eq!(
            (config.host.to_string(), config.port),
            ("127.0.0.1".to_owned(), 8080)
        );
        assert!(config.rate_limit.is_some());
        assert!(config.user_rate_limit.is_some());
        assert!(config.metrics_addr.is_none());
    }

    #[test]
    fn zero_rate_turns_the_limit_off() {
        let config = config(&[("RATE_LIMIT_PER_SECOND", "0")]).unwrap();
        assert!(config.rate_limit.is_none());
    }

    #[test]
    fn zero_rate_per_user_turns_that_limit_off() {
        let config = config(&[("RATE_LIMIT_PER_USER_PER_SECOND", "0")]).unwrap();
        assert!(config.user_rate_limit.is_none());
        assert!(config.rate_limit.is_some());
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let error = config(&[
            ("APP_ENV", "production"),
            ("PORT", "eighty"),
            ("RATE_LIMIT_BURST", "-1"),
            ("RATE_LIMIT_PER_USER_BURST", "0"),
            ("TRUSTED_PROXIES", "10.0.0.0/33"),
            ("HEADER_READ_TIMEOUT_SECS", "0"),
            ("KEEP_ALIVE_TIMEOUT_SECS", "0"),
            ("METRICS_ADDR", "localhost"),
            ("CORS_ALLOWED_ORIGINS", "*"),
            AuthSettings::BAD_EXAMPLE_ENV,
        ])
        .unwrap_err();
        let variables: Vec<_> = error.0.iter().map(|e| e.variable).collect();
        assert_eq!(
            variables,
            [
                "PORT",
                "RATE_LIMIT_BURST",
                "RATE_LIMIT_PER_USER_BURST",
                "TRUSTED_PROXIES",
                "HEADER_READ_TIMEOUT_SECS",
                "METRICS_ADDR",
                "CORS_ALLOWED_ORIGINS",
                AuthSettings::BAD_EXAMPLE_ENV.0
            ]
        );
    }

    #[test]
    fn one_problem_is_counted_in_the_singular() {
        let error = config(&[("PORT", "eighty")]).unwrap_err().to_string();
        assert!(
            error.starts_with("invalid configuration (1 problem):"),
            "{error}"
        );
        let error = config(&[("PORT", "eighty"), ("HOST", "localhost")])
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("invalid configuration (2 problems):"),
            "{error}"
        );
    }
}
