//! The render plan: which answer writes which file, and which files `authgate auth` regenerates.
//!
//! Templates live under `templates/` in folders by variant:
//! - `base/`: the provider-independent project;
//! - `storage/<backend>/`: what only one storage backend has;
//! - `auth/`: the provider-neutral auth module (extractor, verifier, cache, errors) and its tests;
//! - `keys/jwks/`: fetching and caching keys over the network (a JWKS URL or discovery);
//! - `providers/<provider>/`: what only one identity provider has;
//! - `deploy/`: running it in production: the container image, compose, the CI workflow.
//!
//! [`PLAN`] names every template with the condition that selects it, its output path and whether
//! `authgate auth` regenerates it. Nothing else lists files: rendering walks the plan, and the
//! regenerable set is derived from it. A template whose file name starts with `_` is a partial:
//! never rendered on its own, only included by the templates of the plan (`{% include %}`).

use std::path::Path;

use crate::options::{Options, Scope, Storage};
use crate::provider::{Algorithm, Provider};

/// The suffix every template file carries.
pub const TEMPLATE_SUFFIX: &str = ".jinja";

/// Which answers select a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Always,
    /// SQLite or PostgreSQL: a schema, and a database of its own for every test.
    Database,
    Storage(Storage),
    /// Keys fetched over the network: a JWKS URL or discovery.
    RemoteKeys,
    /// ES512 among the algorithms: jsonwebtoken cannot verify it.
    Es512,
}

/// Whether `authgate auth` rewrites a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Regen {
    /// Written once by `authgate new`; the user's from then on.
    Never,
    /// Regenerated in a project authgate generated: its text depends on the provider, the
    /// algorithms or the user claim, and the project needs it to build and pass its tests.
    Project,
    /// The auth module itself: regenerated in every repository that has it.
    Module,
}

/// One template of the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// The folder under `templates/`; `{provider}` stands for the chosen provider's name.
    pub folder: &'static str,
    /// The output path, relative to the project (it may name an answer, as in
    /// `{{ resource.plural_snake }}`). The template is `<folder>/<output>.jinja`, with a leading
    /// `.` of any component spelled `dot-`, so that templates are never hidden files.
    pub output: &'static str,
    pub when: When,
    pub regen: Regen,
}

const fn entry(folder: &'static str, output: &'static str, when: When, regen: Regen) -> Entry {
    Entry {
        folder,
        output,
        when,
        regen,
    }
}

use Regen::{Module, Never, Project};
use When::{Always, Database};

/// Every template of the generated project.
pub const PLAN: &[Entry] = &[
    // The project, whatever the answers.
    entry("base", "Cargo.toml", Always, Never),
    entry("base", "README.md", Always, Project),
    entry("base", ".env.example", Always, Project),
    entry("base", ".gitignore", Always, Never),
    entry(
        "base",
        "migrations/{{ resource.migration }}_create_{{ resource.plural_snake }}.sql",
        Database,
        Never,
    ),
    entry("base", "src/main.rs", Always, Never),
    entry("base", "src/lib.rs", Always, Never),
    entry("base", "src/client_ip.rs", Always, Never),
    entry("base", "src/config.rs", Always, Never),
    entry("base", "src/error.rs", Always, Never),
    entry("base", "src/hardening.rs", Always, Never),
    entry("base", "src/rate_limit.rs", Always, Never),
    entry("base", "src/server.rs", Always, Never),
    entry("base", "src/telemetry.rs", Always, Never),
    entry("base", "src/routes/mod.rs", Always, Never),
    entry("base", "src/routes/extract.rs", Always, Never),
    entry("base", "src/routes/health.rs", Always, Never),
    entry("base", "src/routes/openapi.rs", Always, Never),
    entry("base", "src/routes/fields.rs", Always, Never),
    entry("base", "src/routes/page.rs", Always, Never),
    entry(
        "base",
        "src/routes/{{ resource.plural_snake }}.rs",
        Always,
        Never,
    ),
    entry("base", "src/store/mod.rs", Always, Never),
    entry("base", "tests/api/main.rs", Always, Never),
    entry("base", "tests/api/ownership.rs", Always, Never),
    entry(
        "base",
        "tests/api/{{ resource.plural_snake }}.rs",
        Always,
        Never,
    ),
    entry("base", "tests/api/hardening.rs", Always, Never),
    entry("base", "tests/api/concurrency.rs", Always, Never),
    entry("base", "tests/api/production.rs", Always, Never),
    entry("base", "tests/api/configuration.rs", Always, Project),
    entry("base", "tests/api/database.rs", Database, Never),
    entry("base", "tests/api/storage.rs", Database, Never),
    // Only the chosen storage backend.
    entry(
        "storage/sqlite",
        ".cargo/config.toml",
        When::Storage(Storage::Sqlite),
        Never,
    ),
    entry(
        "storage/sqlite",
        "src/store/sqlite.rs",
        When::Storage(Storage::Sqlite),
        Never,
    ),
    entry(
        "storage/sqlite",
        "src/store/{{ resource.plural_snake }}.rs",
        When::Storage(Storage::Sqlite),
        Never,
    ),
    entry(
        "storage/postgres",
        "src/store/postgres.rs",
        When::Storage(Storage::Postgres),
        Never,
    ),
    entry(
        "storage/postgres",
        "src/store/{{ resource.plural_snake }}.rs",
        When::Storage(Storage::Postgres),
        Never,
    ),
    entry(
        "storage/memory",
        "src/store/memory.rs",
        When::Storage(Storage::Memory),
        Never,
    ),
    entry(
        "storage/memory",
        "src/store/{{ resource.plural_snake }}.rs",
        When::Storage(Storage::Memory),
        Never,
    ),
    // The auth module: the provider-neutral core, the key source, the provider's own part.
    entry("auth", "src/auth/mod.rs", Always, Module),
    entry("auth", "src/auth/cache.rs", Always, Module),
    entry("auth", "src/auth/error.rs", Always, Module),
    entry("auth", "src/auth/extractor.rs", Always, Module),
    entry("auth", "src/auth/verifier.rs", Always, Module),
    entry("keys/jwks", "src/auth/jwks.rs", When::RemoteKeys, Module),
    entry("auth", "src/auth/es512.rs", When::Es512, Module),
    entry(
        "providers/{provider}",
        "src/auth/settings.rs",
        Always,
        Module,
    ),
    entry("auth", "tests/api/authentication.rs", Always, Project),
    entry("auth", "tests/api/helpers.rs", Always, Project),
    // Running it in production: the image, its health probe, compose, CI.
    entry("deploy", "Dockerfile", Always, Never),
    entry("deploy", ".dockerignore", Always, Never),
    entry("deploy", "src/health_check.rs", Always, Never),
    // It passes the provider's variables to the API.
    entry(
        "deploy",
        "compose.yaml",
        When::Storage(Storage::Postgres),
        Project,
    ),
    entry("deploy", ".github/workflows/ci.yml", Always, Never),
];

/// A template chosen for a set of answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// The template's name in the environment: its path under `templates/`.
    pub template: String,
    /// The output path, before the answers in it are rendered.
    pub output: &'static str,
    pub regen: Regen,
}

impl Entry {
    /// Whether these answers select this template.
    pub fn selected(&self, options: &Options) -> bool {
        match self.when {
            When::Always => true,
            When::Database => options.storage != Storage::Memory,
            When::Storage(storage) => options.storage == storage,
            When::RemoteKeys => options.key_source().is_remote(),
            When::Es512 => options.algorithms.contains(&Algorithm::ES512),
        }
    }

    /// The template's name for `provider`: `<folder>/<output>.jinja`, `dot-` for a leading `.`.
    pub fn template(&self, provider: Provider) -> String {
        let folder = self.folder.replace("{provider}", provider.as_str());
        let output: Vec<String> = self
            .output
            .split('/')
            .map(|part| match part.strip_prefix('.') {
                Some(rest) => format!("dot-{rest}"),
                None => part.to_owned(),
            })
            .collect();
        format!("{folder}/{}{TEMPLATE_SUFFIX}", output.join("/"))
    }

    /// Whether `authgate auth` rewrites this file in `scope`.
    pub fn regenerated_in(&self, scope: Scope) -> bool {
        match self.regen {
            Regen::Never => false,
            Regen::Project => scope == Scope::Project,
            Regen::Module => true,
        }
    }
}

/// The templates that make up the project for these answers, in plan order.
pub fn plan(options: &Options) -> Vec<Planned> {
    PLAN.iter()
        .filter(|entry| entry.selected(options))
        .map(|entry| Planned {
            template: entry.template(options.provider),
            output: entry.output,
            regen: entry.regen,
        })
        .collect()
}

/// Whether `authgate auth` regenerates `path` (relative to the project) in `scope`, whatever the
/// answers: a file that only another configuration renders (`src/auth/jwks.rs` in a project that
/// now verifies with a secret) is still authgate's to update or remove.
pub fn is_regenerable(path: &Path, scope: Scope) -> bool {
    PLAN.iter()
        .any(|entry| Path::new(entry.output) == path && entry.regenerated_in(scope))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_names_follow_the_folder_and_the_output() {
        let settings = PLAN
            .iter()
            .find(|entry| entry.output == "src/auth/settings.rs")
            .unwrap();
        assert_eq!(
            settings.template(Provider::Clerk),
            "providers/clerk/src/auth/settings.rs.jinja"
        );
        let env = PLAN
            .iter()
            .find(|entry| entry.output == ".env.example")
            .unwrap();
        assert_eq!(env.template(Provider::Auth0), "base/dot-env.example.jinja");
    }

    #[test]
    fn every_output_is_planned_once_per_condition() {
        for (i, a) in PLAN.iter().enumerate() {
            for b in &PLAN[i + 1..] {
                assert!(
                    a.output != b.output || a.when != b.when,
                    "`{}` is planned twice",
                    a.output
                );
                if a.output == b.output {
                    assert_eq!(a.regen, b.regen, "`{}`", a.output);
                }
            }
        }
    }

    #[test]
    fn the_regenerable_set() {
        for path in [
            "src/auth/mod.rs",
            "src/auth/jwks.rs",
            "src/auth/settings.rs",
            "tests/api/helpers.rs",
            ".env.example",
        ] {
            assert!(is_regenerable(Path::new(path), Scope::Project), "{path}");
        }
        for path in [
            "src/lib.rs",
            "src/routes/tasks.rs",
            "Cargo.toml",
            "authgate.toml",
            "migrations/20250101000000_create_tasks.sql",
        ] {
            assert!(!is_regenerable(Path::new(path), Scope::Project), "{path}");
        }
        assert!(is_regenerable(
            Path::new("src/auth/mod.rs"),
            Scope::AuthModule
        ));
        assert!(!is_regenerable(
            Path::new("tests/api/helpers.rs"),
            Scope::AuthModule
        ));
    }
}
