//! Rendering: [`Options`] in, the generated project out, as a sorted map of relative path → text.
//!
//! The templates live in `templates/` and are embedded in the binary; [`crate::plan`] says which
//! of them make a project for given answers, and where each one is written. The templates see
//! one typed context ([`RenderContext`]): everything they print is computed here or read from
//! the provider table, never restated in a template.
//!
//! Rendering is pure: no clock, no randomness, no file system. Writing is a separate step
//! (see [`crate::write`]).

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result, bail};
use include_dir::{Dir, File, include_dir};
use minijinja::syntax::SyntaxConfig;
use minijinja::value::{Serde, Value};
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;

use crate::deps::CryptoBackend;
use crate::options::{DEFAULT_MODULE, Options, Scope};
use crate::plan;
use crate::provider::{Algorithm, ClaimRule, ProviderSpec};

mod format;
mod resources;

use resources::ResourceContext;

/// A rendered project: relative path → file text (newlines normalised to `\n`).
pub type RenderedFiles = BTreeMap<PathBuf, String>;

/// The templates, embedded at build time; [`plan`] says which of them make a project.
static TEMPLATES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/templates");

/// The answers file authgate writes itself (it is not a template).
pub const ANSWERS_FILE: &str = "authgate.toml";

/// The version of authgate recorded in generated projects.
pub const AUTHGATE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Renders the whole project for `options`, including `authgate.toml`.
pub fn render(options: &Options) -> Result<RenderedFiles> {
    render_files(options, Target::PROJECT, AUTHGATE_VERSION)
}

/// [`render`], for what authgate keeps up to date in the package: a project of its own, or the
/// auth module alone in a package of the user's (whose `src/auth/` then allows what the
/// user's code leaves unused of its API), with the package's jsonwebtoken backend.
pub fn render_in(
    options: &Options,
    scope: Scope,
    crypto: CryptoBackend,
    module: &str,
) -> Result<RenderedFiles> {
    let target = Target {
        scope,
        crypto,
        module,
    };
    render_files(options, target, AUTHGATE_VERSION)
}

/// [`render`], recording `authgate_version` instead of this build's version (for snapshots).
pub fn render_with_version(options: &Options, authgate_version: &str) -> Result<RenderedFiles> {
    render_files(options, Target::PROJECT, authgate_version)
}

/// Where the rendered files go.
#[derive(Debug, Clone, Copy)]
struct Target<'a> {
    scope: Scope,
    crypto: CryptoBackend,
    /// The auth module's name (`auth`, or `--module`'s in a package of the user's).
    module: &'a str,
}

impl Target<'static> {
    /// A project of authgate's own, on its default backend.
    const PROJECT: Target<'static> = Target {
        scope: Scope::Project,
        crypto: CryptoBackend::AwsLcRs,
        module: DEFAULT_MODULE,
    };
}

fn render_files(
    options: &Options,
    target: Target,
    authgate_version: &str,
) -> Result<RenderedFiles> {
    let env = environment()?;
    let context = RenderContext::new(options, target, authgate_version);
    let ctx = Value::from(Serde(&context));
    let mut files = RenderedFiles::new();
    for planned in plan::plan(options) {
        let name = planned.template.as_str();
        // A template whose output names `resource` is rendered once per resource, which it
        // sees as `resource`.
        let contexts: Vec<Value> = if planned.output.contains("resource.") {
            context
                .resources
                .iter()
                .map(|resource| {
                    minijinja::context! { resource => Value::from(Serde(resource)), ..ctx.clone() }
                })
                .collect()
        } else {
            vec![ctx.clone()]
        };
        for ctx in &contexts {
            let output = render_path(&env, planned.output, ctx)?;
            let text = env
                .get_template(name)
                .and_then(|t| t.render(ctx))
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
    }
    let answers = PathBuf::from(ANSWERS_FILE);
    if files.contains_key(&answers) {
        bail!("a template renders `{ANSWERS_FILE}`, which authgate writes itself; remove it");
    }
    files.insert(answers, options.answers_file(authgate_version));
    // The auth module alone is laid out by hand for every package; a project's code by
    // rustfmt.
    if target.scope == Scope::Project && !format::rust_files(&mut files)? {
        warn_unformatted();
    }
    Ok(files)
}

/// Says once per process that the code was not formatted (rustfmt is missing).
fn warn_unformatted() {
    static WARNED: std::sync::Once = std::sync::Once::new();
    WARNED.call_once(|| {
        eprintln!(
            "warning: rustfmt was not found, so the generated code is not formatted; install it \
             (`rustup component add rustfmt`) and run `cargo fmt` in the project"
        );
    });
}

/// Every embedded template, partials included, sorted by path.
pub fn all_templates() -> Vec<&'static File<'static>> {
    fn walk(dir: &'static Dir<'static>, out: &mut Vec<&'static File<'static>>) {
        out.extend(dir.files());
        for sub in dir.dirs() {
            walk(sub, out);
        }
    }
    let mut files = Vec::new();
    walk(&TEMPLATES, &mut files);
    files.sort_by_key(|file| file.path());
    files
}

/// Whether a template is a partial (its file name starts with `_`): included by others, never
/// rendered on its own.
pub fn is_partial(template: &Path) -> bool {
    template
        .file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| name.starts_with('_'))
}

/// Renders the template expressions in an output path, so that a file can be named after an
/// answer: `src/routes/{{ resource.plural_snake }}.rs` → `src/routes/blog_posts.rs`. The result
/// must still be a plain relative path.
fn render_path(env: &Environment<'static>, path: &str, ctx: &Value) -> Result<PathBuf> {
    let text = path;
    if !text.contains("{{") {
        return Ok(PathBuf::from(text));
    }
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

/// The minijinja name of a template: its path under `templates/`, `/`-separated, so that
/// templates can `{% include %}` each other by that path.
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

/// The variables every template sees, computed here so that templates only print them. All of
/// them are always defined (rendering is strict).
#[derive(Debug, Serialize)]
struct RenderContext {
    project_name: String,
    crate_name: String,
    authgate_version: String,
    provider: ProviderContext,
    /// `jwks`, `discovery` or `secret`.
    key_source: &'static str,
    algorithms: Vec<&'static str>,
    /// The allowlist verifies with one shared secret ...
    hmac: bool,
    /// ... or with keys fetched over the network (Clerk may also pin one PEM key at run time).
    uses_jwks: bool,
    /// ES512 (ECDSA with P-521) is allowed: jsonwebtoken cannot verify it, aws-lc-rs does.
    es512: bool,
    /// RFC 7518 §3.2: the shortest secret the allowlist's longest hash accepts (0 without HMAC).
    min_secret_bytes: usize,
    user_claim: String,
    storage: &'static str,
    user_in_path: bool,
    /// The first resource; the templates of each resource (those whose output path names
    /// `resource`) see their own here instead.
    resource: ResourceContext,
    /// Every resource, in order (a parent before its children).
    resources: Vec<ResourceContext>,
    /// What the resources' fields need of the shared code: a `string` or `text` check, a patch
    /// of an optional or a required field, sorting on an `int` or a `date`.
    checks_string: bool,
    checks_text: bool,
    patches_optional: bool,
    patches_required: bool,
    /// Some field is an `int`, read through `fields::Int`.
    has_int: bool,
    sorts_int: bool,
    sorts_date: bool,
    /// Some field is an optional `datetime`, written through `store::rfc3339_or_null`.
    optional_datetime: bool,
    /// The largest body a valid request may send (`BODY_LIMIT_BYTES`): 64 KiB, or more when a
    /// resource's longest valid body needs it.
    body_limit_kib: usize,
    /// The auth module alone, in a package authgate did not write (`authgate auth` there).
    module_only: bool,
    /// jsonwebtoken's backend: `aws_lc_rs`, or `rust_crypto` in a package that chose it.
    crypto: &'static str,
    /// The auth module's name, as code names it (`auth::Verifier`).
    module: String,
}

/// The chosen provider's row of the provider table, as the templates see it.
#[derive(Debug, Serialize)]
struct ProviderContext {
    /// `clerk`: the name in `authgate.toml`.
    id: &'static str,
    /// `Clerk`: the name in prose.
    name: &'static str,
    /// `Clerk users`.
    users: &'static str,
    /// `providers/clerk`: the folder of its templates, for `{% include %}`.
    dir: String,
    /// Clock skew tolerated on time claims, in seconds.
    leeway_secs: u64,
    /// The `typ` header of its tokens, if it sends one.
    token_typ: Option<&'static str>,
    /// The `typ` headers a token may carry (empty: not checked), and whether their case counts.
    accepted_typ: &'static [&'static str],
    typ_ignores_case: bool,
    /// How `aud` is checked: `required`, `when-configured` or `absent`.
    audience: ClaimRule,
    /// Whether a token must name its key (`kid`); else one without it is verified with the
    /// set's only key for its algorithm.
    kid_required: bool,
    /// How its project compares with its verification library, as README lines.
    compared: Vec<String>,
    /// The variables its project reads with this key source.
    env: Vec<EnvContext>,
    /// Every feature of `jsonwebtoken` the module needs.
    jsonwebtoken_features: Vec<&'static str>,
}

/// An environment variable of the provider, with its example for this project.
#[derive(Debug, Serialize)]
struct EnvContext {
    name: &'static str,
    meaning: &'static str,
    /// The meaning as a sentence, wrapped for `# ` comment lines of a 100-column file.
    comment: Vec<String>,
    required: bool,
    example: String,
}

impl RenderContext {
    fn new(options: &Options, target: Target, authgate_version: &str) -> Self {
        let spec = options.provider.spec();
        let keys = options.key_source();
        let resource = options.resource_names();
        let resources: Vec<ResourceContext> = options
            .resources
            .iter()
            .map(|r| ResourceContext::new(r, &options.resources))
            .collect();
        let fields = || resources.iter().flat_map(|r| r.fields.iter());
        RenderContext {
            project_name: options.project_name(),
            crate_name: options.crate_name(),
            authgate_version: authgate_version.to_owned(),
            provider: ProviderContext {
                id: options.provider.as_str(),
                name: spec.name,
                users: spec.users,
                dir: format!("providers/{}", options.provider.as_str()),
                leeway_secs: spec.leeway_secs,
                token_typ: spec.token_typ,
                accepted_typ: spec.accepted_typ,
                typ_ignores_case: spec.typ_ignores_case,
                audience: spec.audience,
                kid_required: spec.kid_required,
                compared: wrap(&compared(spec), README_WIDTH),
                env: spec
                    .env_for(keys)
                    .map(|var| EnvContext {
                        name: var.name,
                        meaning: var.meaning,
                        comment: wrap(&sentence(var.meaning), COMMENT_WIDTH),
                        required: var.required,
                        example: var.example.replace("{resource}", &resource.plural_kebab),
                    })
                    .collect(),
                jsonwebtoken_features: std::iter::once(target.crypto.feature())
                    .chain(spec.jsonwebtoken_features.iter().copied())
                    .collect(),
            },
            key_source: keys.as_str(),
            algorithms: options.algorithms.iter().map(|a| a.as_str()).collect(),
            hmac: !keys.is_remote(),
            uses_jwks: keys.is_remote(),
            es512: options.algorithms.contains(&Algorithm::ES512),
            min_secret_bytes: options
                .algorithms
                .iter()
                .filter_map(|alg| alg.min_secret_bytes())
                .max()
                .unwrap_or_default(),
            user_claim: options.user_claim.clone(),
            storage: options.storage.as_str(),
            user_in_path: options.user_in_path,
            resource: resources[0].clone(),
            checks_string: fields().any(|f| f.kind == "string"),
            checks_text: fields().any(|f| f.kind == "text"),
            patches_optional: fields().any(|f| f.optional),
            patches_required: fields().any(|f| !f.optional),
            has_int: fields().any(|f| f.kind == "int"),
            sorts_int: fields().any(|f| f.sortable && f.kind == "int"),
            sorts_date: fields().any(|f| f.sortable && f.kind == "date"),
            optional_datetime: fields().any(|f| f.optional && f.kind == "datetime"),
            body_limit_kib: resources
                .iter()
                .map(|r| body_limit_kib(&r.fields))
                .max()
                .unwrap_or(64),
            resources,
            module_only: target.scope == Scope::AuthModule,
            crypto: target.crypto.feature(),
            module: target.module.to_owned(),
        }
    }
}

/// The body limit, in KiB, that admits every valid body of a resource: 64, or the next power
/// of two above its longest one (6 bytes per character of text, the most a JSON escape takes
/// for a character of the Basic Multilingual Plane, and 64 bytes for any other member).
fn body_limit_kib(fields: &[resources::FieldContext]) -> usize {
    let longest: usize = fields
        .iter()
        .map(|f| f.name.len() + 8 + 6 * f.max_chars as usize + 64)
        .sum();
    longest.div_ceil(1024).next_power_of_two().max(64)
}

/// The width of a comment's text in the generated files (100 columns, less `# `).
const COMMENT_WIDTH: usize = 98;
/// The width of the README's indented paragraphs (two spaces of indent, 100 columns).
const README_WIDTH: usize = 98;

/// What the provider's project accepts and refuses compared with its library, for the
/// README's security model.
fn compared(spec: &ProviderSpec) -> String {
    let mut text = format!(
        "Tried side by side with {} on some 200 crafted tokens (authgate's differential test), \
         this API accepts no token that library refuses",
        spec.library
    );
    if !spec.laxer.is_empty() {
        text.push_str(", but ");
        text.push_str(&spec.laxer.join("; "));
    }
    text.push_str(
        ". It is stricter by the rules above: the algorithm allowlist, `exp` required, `iat` and \
         `nbf` not in the future, the user id's length, strict types, `crit`, `cnf`, strict \
         base64url, UTF-8 and unique member names, the 8 KiB limit",
    );
    for rule in spec.stricter {
        text.push_str("; ");
        text.push_str(rule);
    }
    text.push('.');
    text
}

/// `the API identifier` → `The API identifier.`
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    let first = chars.next().map(|c| c.to_uppercase().collect::<String>());
    let mut out = first.unwrap_or_default();
    out.push_str(chars.as_str());
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

/// Splits `text` into lines of at most `width` characters, at spaces (a longer word stands on
/// a line of its own).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_owned()),
        }
    }
    lines
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
    use minijinja::context;

    use super::*;
    use crate::options::Storage;
    use crate::plan::TEMPLATE_SUFFIX;
    use crate::provider::{KeySource, Provider};

    fn default_options() -> Options {
        Options::defaults("my-api").unwrap()
    }

    /// The default project, one of every storage backend and route style, and one of every
    /// provider and key source.
    fn options_covering_every_template() -> Vec<Options> {
        let mut all = vec![default_options()];
        for storage in Storage::ALL {
            for user_in_path in [true, false] {
                let mut options = default_options();
                options.storage = storage;
                options.user_in_path = user_in_path;
                options.resources[0].name = "blog-posts".to_owned();
                all.push(options);
            }
        }
        for provider in Provider::ALL {
            for &alg in provider.algorithms() {
                let mut options = default_options();
                options.provider = provider;
                options.algorithms = vec![alg];
                if provider.check_algorithms(&options.algorithms).is_ok() {
                    all.push(options);
                }
            }
        }
        all
    }

    /// Every provider with every algorithm it allows at once (its HMAC ones and the others
    /// apart, where it cannot mix them): the test cases that pick an algorithm outside the
    /// allowlist still find one.
    #[test]
    fn every_algorithm_of_a_provider_at_once_renders() {
        for provider in Provider::ALL {
            let (hmac, asymmetric): (Vec<Algorithm>, Vec<Algorithm>) = provider
                .algorithms()
                .iter()
                .partition(|alg| alg.min_secret_bytes().is_some());
            for set in [provider.algorithms().to_vec(), hmac, asymmetric] {
                let mut options = default_options();
                options.provider = provider;
                options.algorithms = set;
                if options.algorithms.is_empty()
                    || provider.check_algorithms(&options.algorithms).is_err()
                {
                    continue;
                }
                render(&options).unwrap_or_else(|e| panic!("{options:?}: {e:#}"));
            }
        }
    }

    #[test]
    fn every_template_of_the_plan_renders_strictly_and_every_template_is_used() {
        let templates = all_templates();
        assert!(!templates.is_empty(), "templates/ holds no template");
        let mut planned = std::collections::BTreeSet::new();
        for options in options_covering_every_template() {
            let files = render(&options).unwrap();
            let plan = plan::plan(&options);
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
            planned.extend(plan.into_iter().map(|planned| planned.template));
        }
        for entry in plan::PLAN {
            let rendered = Provider::ALL
                .iter()
                .any(|&provider| planned.contains(&entry.template(provider)));
            assert!(rendered, "`{}` is rendered for no answers", entry.output);
        }
        let sources: Vec<&str> = templates
            .iter()
            .filter_map(|template| template.contents_utf8())
            .collect();
        for template in &templates {
            let name = template.path().to_str().unwrap();
            if is_partial(template.path()) {
                // Included by name, or by the provider's folder and the partial's name.
                let file = template.path().file_name().unwrap().to_str().unwrap();
                assert!(
                    sources.iter().any(|source| source.contains(file)),
                    "the partial `{name}` is included by no template"
                );
            } else {
                assert!(
                    planned.contains(name),
                    "`{name}` is in no entry of the plan (src/plan.rs), or rendered for no answers"
                );
            }
        }
    }

    /// Words that name a provider (matched case-insensitively) or a key source.
    fn names_of(provider: Provider) -> &'static [&'static str] {
        match provider {
            Provider::BetterAuth => &["better auth", "better-auth", "better_auth", "betterauth"],
            Provider::Auth0 => &["auth0"],
            Provider::Clerk => &["clerk"],
            Provider::Oidc => &["oidc", "openid connect"],
            Provider::SharedSecret => &["shared-secret", "shared_secret", "jwt_secret"],
        }
    }

    fn names_of_keys(keys: KeySource) -> &'static [&'static str] {
        match keys {
            KeySource::Jwks => &["jwks"],
            KeySource::Discovery => &["discovery", "openid-configuration"],
            KeySource::Secret => &[],
        }
    }

    /// For every provider and key source: no rendered file names another provider, and a
    /// project that verifies with a secret says nothing of JWKS or discovery (a project whose
    /// keys come from a JWKS URL says nothing of discovery).
    #[test]
    fn no_rendered_file_names_another_provider_or_key_source() {
        let mut problems = Vec::new();
        for options in options_covering_every_template() {
            let keys = options.key_source();
            let mut foreign: Vec<&str> = Provider::ALL
                .into_iter()
                .filter(|&other| other != options.provider)
                .flat_map(names_of)
                .copied()
                .collect();
            foreign.extend(match keys {
                KeySource::Secret => [KeySource::Jwks, KeySource::Discovery]
                    .into_iter()
                    .flat_map(names_of_keys)
                    .copied()
                    .collect::<Vec<_>>(),
                KeySource::Jwks => names_of_keys(KeySource::Discovery).to_vec(),
                KeySource::Discovery => Vec::new(),
            });
            for (path, text) in render(&options).unwrap() {
                let text = text.to_lowercase();
                for word in &foreign {
                    let count = text.matches(word).count();
                    if count > 0 {
                        problems.push(format!(
                            "{} {:?} {}: `{}` names `{word}` {count} times",
                            options.provider,
                            options.algorithms,
                            options.storage,
                            path.display()
                        ));
                    }
                }
            }
        }
        problems.sort();
        problems.dedup();
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    /// The variables the rendered auth settings read (`var("NAME")`) are exactly the provider
    /// table's for that key source: `authgate providers`, `.env.example` and the code agree.
    #[test]
    fn the_auth_settings_read_exactly_the_variables_of_the_provider_table() {
        for options in options_covering_every_template() {
            let files = render(&options).unwrap();
            let settings = &files[Path::new("src/auth/settings.rs")];
            let code = settings.split("#[cfg(test)]").next().unwrap();
            let mut read: Vec<&str> = code
                .split("var(\"")
                .skip(1)
                .filter_map(|rest| rest.split('"').next())
                .collect();
            read.sort_unstable();
            read.dedup();
            let spec = options.provider.spec();
            let mut listed: Vec<&str> = spec
                .env_for(options.key_source())
                .map(|var| var.name)
                .collect();
            listed.sort_unstable();
            assert_eq!(
                read, listed,
                "{} {:?}",
                options.provider, options.algorithms
            );
            let example = &files[Path::new(".env.example")];
            for name in listed {
                assert!(
                    example.contains(&format!("{name}=")),
                    "{}: .env.example has no {name}",
                    options.provider
                );
            }
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
    fn a_secret_needs_no_key_cache() {
        let mut options = default_options();
        options.provider = Provider::SharedSecret;
        options.algorithms = vec![Algorithm::HS384];
        let files = render(&options).unwrap();
        assert!(!files.contains_key(Path::new("src/auth/jwks.rs")));
    }

    #[test]
    fn file_names_follow_the_resource() {
        let mut options = default_options();
        options.resources[0].name = "blog-posts".to_owned();
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
    fn comments_are_sentences_wrapped_at_the_width() {
        assert_eq!(sentence("the API identifier"), "The API identifier.");
        assert_eq!(sentence("Done."), "Done.");
        assert_eq!(wrap("a bb ccc dd", 6), ["a bb", "ccc dd"]);
        assert_eq!(wrap("toolongword x", 4), ["toolongword", "x"]);
        assert!(wrap("", 10).is_empty());
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
        let ctx = Value::from(Serde(RenderContext::new(
            &default_options(),
            Target::PROJECT,
            "0",
        )));
        let err = env.render_str("{{ resource.no_such_casing }}", ctx);
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
