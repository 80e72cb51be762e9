//! `authgate providers`, and the facts about a provider that the other commands print.
//!
//! The facts come from the provider table ([`Provider::spec`]); this module picks what the
//! reports in [`crate::report`] print, so that they see plain data.

use crate::options::Options;
use crate::provider::{Algorithm, EnvVar, Provider, join_choices};
use crate::report;

/// What the listing says about one provider.
pub(crate) struct Listing {
    pub provider: Provider,
    pub description: &'static str,
    pub algorithms: Vec<ListedAlgorithm>,
    /// `sub (the Better Auth user id)`.
    pub user_claim: String,
    pub env_vars: Vec<ListedVar>,
}

/// An environment variable, and the algorithms it is read with when not with all of them.
pub(crate) struct ListedVar {
    pub var: &'static EnvVar,
    /// `HS256`: the variable is read only when the allowlist holds these.
    pub only_with: Option<String>,
}

/// An algorithm a provider can sign with.
pub(crate) struct ListedAlgorithm {
    pub algorithm: Algorithm,
    /// What the project accepts when `--alg` is not given.
    pub default: bool,
}

/// `authgate providers`: returns the listing of every provider.
pub(crate) fn run() -> String {
    let listings: Vec<Listing> = Provider::ALL.into_iter().map(listing).collect();
    report::providers(&listings)
}

fn listing(provider: Provider) -> Listing {
    let default = provider.default_algorithm();
    let algorithms = provider
        .algorithms()
        .iter()
        .map(|&algorithm| ListedAlgorithm {
            algorithm,
            default: algorithm == default,
        })
        .collect();
    let spec = provider.spec();
    let env_vars = spec
        .all_env()
        .map(|var| ListedVar {
            var,
            only_with: var.only_with.map(|keys| {
                let algorithms: Vec<&str> = spec
                    .algorithms
                    .iter()
                    .filter(|&&alg| spec.key_source(&[alg]) == keys)
                    .map(|alg| alg.as_str())
                    .collect();
                join_choices(&algorithms)
            }),
        })
        .collect();
    Listing {
        provider,
        description: spec.summary,
        algorithms,
        user_claim: format!("{} ({})", spec.user_claim, spec.user_claim_note),
        env_vars,
    }
}

/// The environment variables a project for `options` cannot start without, for the `next:`
/// hints. (The options, not only the provider: which variables are read depends on the key
/// source, e.g. Auth0's signing secret with HS256 only.)
pub(crate) fn required_env_vars(options: &Options) -> Vec<&'static str> {
    options
        .provider
        .spec()
        .env_for(options.key_source())
        .filter(|var| var.required)
        .map(|var| var.name)
        .collect()
}
