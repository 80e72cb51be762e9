//! Rendering: [`Options`] in, the generated project out, as a sorted map of relative path → text.
//!
//! The project templates live in `templates/project/` and are embedded in the binary. Every
//! template file ends in `.jinja`; its output path is its relative path without `.jinja`, with a
//! leading `dot-` on any component turned into `.` (`dot-gitignore.jinja` → `.gitignore`), so that
//! the templates themselves are never hidden or ignored in this repository.
//!
//! Rendering is pure: no clock, no randomness, no file system. Writing is a separate step
//! (see [`crate::write`]).

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result, bail};
use include_dir::{Dir, File, include_dir};
use minijinja::syntax::SyntaxConfig;
use minijinja::value::Value;
use minijinja::{AutoEscape, Environment, UndefinedBehavior, context};

use crate::options::{Options, Storage};

/// A rendered project: relative path → file text (newlines normalised to `\n`).
pub type RenderedFiles = BTreeMap<PathBuf, String>;

/// The project templates, embedded at build time.
static PROJECT_TEMPLATES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/templates/project");

/// The suffix every template file carries.
const TEMPLATE_SUFFIX: &str = ".jinja";

/// The answers file authgate writes itself (it is not a template).
pub const ANSWERS_FILE: &str = "authgate.toml";

/// The version of authgate recorded in generated projects.
pub const AUTHGATE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Renders the whole project for `options`, including `authgate.toml`.
pub fn render(options: &Options) -> Result<RenderedFiles> {
    render_with_version(options, AUTHGATE_VERSION)
}

/// [`render`], recording `authgate_version` instead of this build's version (for snapshots).
pub fn render_with_version(options: &Options, authgate_version: &str) -> Result<RenderedFiles> {
    let env = environment()?;
    let ctx = template_context(options, authgate_version);
    let mut files = RenderedFiles::new();
    for template in plan(options) {
        let name = template_name(template)?;
        let output = render_path(&env, &output_path(template.path())?, &ctx)?;
        let text = env
            .get_template(name)
            .and_then(|t| t.render(&ctx))
            .map_err(|e| anyhow::anyhow!("{e:#}"))
            .with_context(|| format!("rendering the template `{name}`"))?;
        if files
            .insert(output.clone(), normalize_newlines(text))
            .is_some()
        {
            bail!(
                "two templates render `{}`; rename one of them",
                output.display()
            );
        }
    }
    let answers = PathBuf::from(ANSWERS_FILE);
    if files.contains_key(&answers) {
        bail!("a template renders `{ANSWERS_FILE}`, which authgate writes itself; remove it");
    }
    files.insert(answers, options.answers_file(authgate_version));
    Ok(files)
}

/// Which templates make up the project for these options.
///
/// Options that select files (the storage backend, the provider's key source) filter the list
/// of templates, in this one place, so that a reader can see which answer produces which file.
pub fn plan(options: &Options) -> Vec<&'static File<'static>> {
    all_templates()
        .into_iter()
        .filter(|file| wanted(file.path(), options))
        .collect()
}

/// Whether a template belongs to the project for these options; a template not named here is
/// always rendered. This is the one list of "which answer produces which file".
fn wanted(template: &Path, options: &Options) -> bool {
    let hmac = options.algorithms.iter().any(|a| a.is_hmac());
    let storage = options.storage;
    let path = template.to_str().unwrap_or_default();
    match path {
        // Keys come from the provider's JWKS, except with an HMAC allowlist (one shared secret).
        "src/auth/jwks.rs.jinja" => !hmac,
        // Only the chosen storage backend is generated.
        "src/store/sqlite.rs.jinja" => storage == Storage::Sqlite,
        "src/store/postgres.rs.jinja" => storage == Storage::Postgres,
        "src/store/memory.rs.jinja" => storage == Storage::Memory,
        // A database server or file: its schema, and a database of its own for every test.
        "tests/api/database.rs.jinja" | "tests/api/storage.rs.jinja" => storage != Storage::Memory,
        _ if path.starts_with("migrations/") => storage != Storage::Memory,
        _ => true,
    }
}

/// Every embedded template, sorted by path.
pub fn all_templates() -> Vec<&'static File<'static>> {
    fn walk(dir: &'static Dir<'static>, out: &mut Vec<&'static File<'static>>) {
        out.extend(dir.files());
        for sub in dir.dirs() {
            walk(sub, out);
        }
    }
    let mut files = Vec::new();
    walk(&PROJECT_TEMPLATES, &mut files);
    files.sort_by_key(|file| file.path());
    files
}

/// The output path of a template: `src/main.rs.jinja` → `src/main.rs`,
/// `dot-env.example.jinja` → `.env.example`.
pub fn output_path(template: &Path) -> Result<PathBuf> {
    let mut output = PathBuf::new();
    let last = template.components().count().saturating_sub(1);
    for (i, component) in template.components().enumerate() {
        let Component::Normal(part) = component else {
            bail!(
                "template path `{}` is not a plain relative path",
                template.display()
            );
        };
        let Some(mut part) = part.to_str() else {
            bail!("template path `{}` is not UTF-8", template.display());
        };
        if i == last {
            part = part.strip_suffix(TEMPLATE_SUFFIX).with_context(|| {
                format!(
                    "template `{}` does not end in `{TEMPLATE_SUFFIX}`; rename it",
                    template.display()
                )
            })?;
        }
        match part.strip_prefix("dot-") {
            Some(rest) => output.push(format!(".{rest}")),
            None => output.push(part),
        }
    }
    if output.as_os_str().is_empty() {
        bail!("template path `{}` is empty", template.display());
    }
    Ok(output)
}

/// Renders the template expressions in an output path, so that a file can be named after an
/// answer: `src/routes/{{ resource.plural_snake }}.rs` → `src/routes/blog_posts.rs`. The result
/// must still be a plain relative path.
fn render_path(env: &Environment<'static>, path: &Path, ctx: &Value) -> Result<PathBuf> {
    let Some(text) = path.to_str().filter(|text| text.contains("{{")) else {
        return Ok(path.to_owned());
    };
    let rendered = env
        .render_str(text, ctx)
        .map_err(|e| anyhow::anyhow!("{e:#}"))
        .with_context(|| format!("rendering the file name `{text}`"))?;
    let rendered = PathBuf::from(rendered);
    let plain = rendered
        .components()
        .all(|component| matches!(component, Component::Normal(_)));
    if !plain || rendered.as_os_str().is_empty() {
        bail!(
            "the file name `{text}` renders `{}`, which is not a plain relative path",
            rendered.display()
        );
    }
    Ok(rendered)
}

/// The minijinja name of a template: its path under `templates/project/`, `/`-separated, so that
/// templates can `{% include %}` or `{% import %}` each other by that path.
fn template_name(file: &'static File<'static>) -> Result<&'static str> {
    file.path()
        .to_str()
        .with_context(|| format!("template path `{}` is not UTF-8", file.path().display()))
}

fn environment() -> Result<Environment<'static>> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // Generated code and Markdown are not HTML: never escape.
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_syntax(
        SyntaxConfig::builder()
            .keep_trailing_newline(true)
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()
            .context("configuring the template syntax")?,
    );
    for file in all_templates() {
        let name = template_name(file)?;
        let source = file
            .contents_utf8()
            .with_context(|| format!("template `{name}` is not UTF-8"))?;
        env.add_template(name, source)
            .map_err(|e| anyhow::anyhow!("{e:#}"))
            .with_context(|| format!("parsing the template `{name}`"))?;
    }
    Ok(env)
}

/// The variables every template sees. All of them are always defined (rendering is strict).
fn template_context(options: &Options, authgate_version: &str) -> Value {
    let resource = options.resource_names();
    let algorithms: Vec<&str> = options.algorithms.iter().map(|a| a.as_str()).collect();
    // An HMAC allowlist verifies with one shared secret; every other one with the provider's
    // published keys (Clerk may also pin one PEM key at run time).
    let hmac = options.algorithms.iter().any(|a| a.is_hmac());
    context! {
        project_name => options.project_name(),
        crate_name => options.crate_name(),
        authgate_version => authgate_version,
        provider => options.provider.as_str(),
        algorithms => algorithms,
        hmac => hmac,
        uses_jwks => !hmac,
        user_claim => options.user_claim.as_str(),
        storage => options.storage.as_str(),
        user_in_path => options.user_in_path,
        resource => context! {
            plural_kebab => resource.plural_kebab,
            plural_snake => resource.plural_snake,
            singular_snake => resource.singular_snake,
            singular_pascal => resource.singular_pascal,
            plural_pascal => resource.plural_pascal,
            singular_words => resource.singular_words,
            plural_words => resource.plural_words,
        },
    }
}

fn normalize_newlines(text: String) -> String {
    if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_options() -> Options {
        Options::defaults("my-api").unwrap()
    }

    /// The default project, and one of every storage backend and route style.
    fn options_covering_every_template() -> Vec<Options> {
        let mut all = vec![default_options()];
        for storage in Storage::ALL {
            for user_in_path in [true, false] {
                let mut options = default_options();
                options.storage = storage;
                options.user_in_path = user_in_path;
                options.resource = "blog-posts".to_owned();
                all.push(options);
            }
        }
        all
    }

    #[test]
    fn every_template_renders_strictly_for_some_answers() {
        let templates = all_templates();
        assert!(
            !templates.is_empty(),
            "templates/project/ holds no template"
        );
        let mut planned = std::collections::BTreeSet::new();
        for options in options_covering_every_template() {
            let files = render(&options).unwrap();
            let plan = plan(&options);
            assert_eq!(
                files.len(),
                plan.len() + 1,
                "one file per planned template + authgate.toml ({options:?})"
            );
            for (path, text) in &files {
                assert!(
                    !text.contains('\r'),
                    "`{}` has a carriage return",
                    path.display()
                );
            }
            planned.extend(plan.iter().map(|template| template.path()));
        }
        for template in &templates {
            assert!(
                planned.contains(template.path()),
                "`{}` is rendered for no answers",
                template.path().display()
            );
        }
    }

    #[test]
    fn only_the_chosen_storage_backend_is_rendered() {
        for storage in Storage::ALL {
            let mut options = default_options();
            options.storage = storage;
            let files = render(&options).unwrap();
            for other in Storage::ALL {
                let path = PathBuf::from(format!("src/store/{other}.rs"));
                assert_eq!(
                    files.contains_key(&path),
                    other == storage,
                    "{storage}: {other}"
                );
            }
            let migrations = files.keys().any(|path| path.starts_with("migrations"));
            assert_eq!(migrations, storage != Storage::Memory, "{storage}");
        }
    }

    #[test]
    fn file_names_follow_the_resource() {
        let mut options = default_options();
        options.resource = "blog-posts".to_owned();
        let files = render(&options).unwrap();
        assert!(files.contains_key(Path::new("src/routes/blog_posts.rs")));
        assert!(
            !files
                .keys()
                .any(|path| path.to_string_lossy().contains("task"))
        );
    }

    #[test]
    fn every_template_file_ends_in_jinja() {
        for template in all_templates() {
            assert!(
                template.path().to_string_lossy().ends_with(TEMPLATE_SUFFIX),
                "`{}` does not end in `{TEMPLATE_SUFFIX}`",
                template.path().display()
            );
        }
    }

    #[test]
    fn output_paths() {
        let cases = [
            ("Cargo.toml.jinja", "Cargo.toml"),
            ("src/main.rs.jinja", "src/main.rs"),
            ("dot-gitignore.jinja", ".gitignore"),
            ("dot-env.example.jinja", ".env.example"),
            ("dot-cargo/config.toml.jinja", ".cargo/config.toml"),
            ("src/auth/mod.rs.jinja", "src/auth/mod.rs"),
            ("not-dot-file.jinja", "not-dot-file"),
        ];
        for (template, expected) in cases {
            assert_eq!(
                output_path(Path::new(template)).unwrap(),
                Path::new(expected)
            );
        }
        assert!(output_path(Path::new("README.md")).is_err());
        assert!(output_path(Path::new("../x.jinja")).is_err());
        assert!(output_path(Path::new("/x.jinja")).is_err());
    }

    #[test]
    fn rendering_is_deterministic() {
        let options = default_options();
        assert_eq!(render(&options).unwrap(), render(&options).unwrap());
    }

    #[test]
    fn strict_undefined_is_an_error() {
        let env = environment().unwrap();
        let err = env.render_str("{{ no_such_variable }}", context! {});
        assert!(err.is_err());
        let err = env.render_str(
            "{{ resource.no_such_casing }}",
            template_context(&default_options(), "0"),
        );
        assert!(err.is_err());
    }

    #[test]
    fn whitespace_control_matches_the_templates_expectations() {
        let env = environment().unwrap();
        let text = env
            .render_str("a\n  {% if true %}\nb\n  {% endif %}\nc\n", context! {})
            .unwrap();
        assert_eq!(text, "a\nb\nc\n");
    }

    #[test]
    fn the_answers_file_is_rendered_with_the_version_given() {
        let files = render_with_version(&default_options(), "9.9.9").unwrap();
        let answers = &files[Path::new(ANSWERS_FILE)];
        assert!(
            answers.contains("authgate_version = \"9.9.9\""),
            "{answers}"
        );
    }
}
