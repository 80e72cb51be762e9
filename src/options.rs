//! The answers that shape a generated project: how they are merged from flags, the answers file
//! and the defaults, and how they are validated into [`Options`].
//!
//! [`Answers`] is what the user has said so far (every field optional); [`Options`] is the
//! complete, validated set that rendering needs. Nothing is written until an `Options` exists.

use std::fmt;
use std::path::Path;

use heck::{ToKebabCase, ToSnakeCase, ToUpperCamelCase};
use serde::{Deserialize, Serialize};

use crate::error::UsageError;
use crate::provider::{Algorithm, KeySource, Provider};
use crate::resource::{self, Resource, ResourceSpec};

/// Where the generated project keeps its data.
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
pub enum Storage {
    /// An embedded SQLite file (sqlx, WAL, migrations at start).
    Sqlite,
    /// A PostgreSQL server (sqlx pool), for many API replicas.
    Postgres,
    /// In memory, for prototyping; lost on restart.
    Memory,
}

impl Storage {
    pub const ALL: [Storage; 3] = [Storage::Sqlite, Storage::Postgres, Storage::Memory];

    pub fn as_str(self) -> &'static str {
        match self {
            Storage::Sqlite => "sqlite",
            Storage::Postgres => "postgres",
            Storage::Memory => "memory",
        }
    }
}

impl fmt::Display for Storage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// The defaults `--yes` takes ("mashing ENTER" at every prompt).
pub mod defaults {
    use super::Storage;
    use crate::provider::Provider;

    pub const PROVIDER: Provider = Provider::BetterAuth;
    pub const USER_CLAIM: &str = "sub";
    pub const STORAGE: Storage = Storage::Sqlite;
    pub const RESOURCE: &str = "tasks";
    pub const USER_IN_PATH: bool = true;
}

/// What the user has answered so far, from one source (flags, the answers file, prompts).
///
/// This is also the `[answers]` table of `authgate.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answers {
    pub name: Option<String>,
    pub provider: Option<Provider>,
    /// Names as typed (case-insensitive); parsed against the provider during validation.
    pub algorithms: Option<Vec<String>>,
    pub user_claim: Option<String>,
    pub storage: Option<Storage>,
    /// The first resource's name (`--resource`), when `resources` is not given.
    pub resource: Option<String>,
    /// The first resource's fields (`--field`, repeatable), when `resources` is not given.
    #[serde(skip)]
    pub fields: Option<Vec<String>>,
    /// Every resource, from the `[[resources]]` of an answers file (or `authgate.toml`).
    #[serde(skip)]
    pub resources: Option<Vec<ResourceSpec>>,
    pub user_in_path: Option<bool>,
}

/// The auth module's name unless `--module` names another: `src/auth/`, `mod auth;`.
pub const DEFAULT_MODULE: &str = "auth";

/// Validates `--module NAME`: a snake_case Rust identifier that can name a module of the
/// package's own (`src/NAME/`), not a keyword nor a file cargo gives a meaning.
pub fn validate_module(name: &str) -> Result<String, UsageError> {
    const RESERVED: &[&str] = &[
        "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum",
        "extern", "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod",
        "move", "mut", "pub", "ref", "return", "self", "static", "struct", "super", "trait",
        "true", "type", "unsafe", "use", "where", "while", "yield", "main", "lib", "bin", "build",
    ];
    let suggestion = name.to_snake_case();
    let identifier = !name.is_empty()
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !identifier {
        let fix = if suggestion.is_empty() || suggestion == name {
            "e.g. `--module identity`".to_owned()
        } else {
            format!("pass `--module {suggestion}`")
        };
        return Err(UsageError::InvalidModule(format!(
            "--module `{name}` must be a snake_case Rust identifier (lowercase ASCII letters, \
             digits and `_`, starting with a letter); {fix}"
        )));
    }
    if RESERVED.contains(&name) {
        return Err(UsageError::InvalidModule(format!(
            "--module `{name}` is a Rust keyword or a name cargo gives a meaning; choose \
             another, e.g. `--module identity`"
        )));
    }
    Ok(name.to_owned())
}

/// What `authgate.toml` says authgate generated in this repository.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// The whole project (`authgate new`); every answer is recorded. The default, so that the
    /// key is written only for the other scope.
    #[default]
    Project,
    /// Only the auth module (`authgate auth` in a repository authgate did not generate); only
    /// the provider, algorithms and user claim are recorded.
    AuthModule,
}

/// The shape of `authgate.toml` (and of a `--config` answers file).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswersFile {
    /// The authgate that wrote the file.
    #[serde(default)]
    pub authgate_version: Option<String>,
    /// What authgate generated here; `--config` ignores it.
    #[serde(default)]
    pub scope: Scope,
    /// The auth module's name in a package of the user's (`src/<module>/`), when not `auth`.
    #[serde(default)]
    pub module: Option<String>,
    #[serde(default)]
    pub answers: Answers,
    /// Every resource of the project, in order (a parent before its children).
    #[serde(default)]
    pub resources: Vec<ResourceSpec>,
}

impl AnswersFile {
    /// Parses the text of an answers file; the error is one line (`line 3: unknown field ...`).
    pub fn from_toml(text: &str) -> Result<AnswersFile, String> {
        let mut file = toml::from_str::<AnswersFile>(text).map_err(|e| {
            let message = e.message().trim().replace('\n', " ");
            match e.span() {
                Some(span) => {
                    let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
                    format!("line {line}: {message}")
                }
                None => message,
            }
        })?;
        if !file.resources.is_empty() {
            if file.answers.resource.is_some() {
                return Err(
                    "both `resource` and `[[resources]]` name the resources; keep only \
                     `[[resources]]`"
                        .to_owned(),
                );
            }
            file.answers.resources = Some(std::mem::take(&mut file.resources));
        }
        Ok(file)
    }
}

impl Answers {
    /// Reads an answers file (the shape of `authgate.toml`); unknown keys are refused.
    pub fn from_file(path: &Path) -> Result<Answers, UsageError> {
        let text = std::fs::read_to_string(path).map_err(|e| UsageError::ConfigUnreadable {
            path: path.to_owned(),
            reason: io_reason(&e),
        })?;
        Answers::from_toml(&text).map_err(|reason| UsageError::ConfigInvalid {
            path: path.to_owned(),
            reason,
        })
    }

    /// Parses the text of an answers file; the error is one line (`line 3: unknown field ...`).
    pub fn from_toml(text: &str) -> Result<Answers, String> {
        AnswersFile::from_toml(text).map(|file| file.answers)
    }

    /// Keeps every answer given here and takes the rest from `fallback`.
    pub fn or(self, fallback: Answers) -> Answers {
        Answers {
            name: self.name.or(fallback.name),
            provider: self.provider.or(fallback.provider),
            algorithms: self.algorithms.or(fallback.algorithms),
            user_claim: self.user_claim.or(fallback.user_claim),
            storage: self.storage.or(fallback.storage),
            resource: self.resource.or(fallback.resource),
            fields: self.fields.or(fallback.fields),
            resources: self.resources.or(fallback.resources),
            user_in_path: self.user_in_path.or(fallback.user_in_path),
        }
    }

    /// Fills every missing answer with its default, as `--yes` does.
    pub fn or_defaults(mut self) -> Answers {
        let provider = *self.provider.get_or_insert(defaults::PROVIDER);
        self.algorithms
            .get_or_insert_with(|| vec![provider.default_algorithm().to_string()]);
        self.user_claim
            .get_or_insert_with(|| defaults::USER_CLAIM.to_owned());
        self.storage.get_or_insert(defaults::STORAGE);
        if self.resources.is_none() {
            self.resource
                .get_or_insert_with(|| defaults::RESOURCE.to_owned());
        }
        self.user_in_path.get_or_insert(defaults::USER_IN_PATH);
        self
    }

    /// The flag of the first answer still missing, in prompt order (the name is never missing:
    /// it defaults to the target directory's name).
    pub fn first_missing(&self) -> Option<&'static str> {
        [
            ("--provider", self.provider.is_none()),
            ("--alg", self.algorithms.is_none()),
            ("--user-claim", self.user_claim.is_none()),
            ("--storage", self.storage.is_none()),
            (
                "--resource",
                self.resource.is_none() && self.resources.is_none(),
            ),
            ("--user-in-path", self.user_in_path.is_none()),
        ]
        .into_iter()
        .find_map(|(flag, missing)| missing.then_some(flag))
    }
}

/// Where the project name came from, so that an error can point at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameSource {
    Flag,
    AnswersFile,
    Directory,
}

/// Every answer, resolved and validated. Rendering takes nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The project (package) name, kebab-case: `my-api`.
    pub name: String,
    pub provider: Provider,
    /// Canonical algorithms, in the order given, without repeats.
    pub algorithms: Vec<Algorithm>,
    pub user_claim: String,
    pub storage: Storage,
    /// The owned resources, in order (a parent before its children); at least one.
    pub resources: Vec<Resource>,
    /// `true`: `/api/{user_id}/{resource}`; `false`: `/api/{resource}`.
    pub user_in_path: bool,
}

impl Options {
    /// The default answers (what `authgate new <PATH> --yes` generates) for a project `name`.
    pub fn defaults(name: &str) -> Result<Options, UsageError> {
        let answers = Answers {
            name: Some(name.to_owned()),
            ..Answers::default()
        }
        .or_defaults();
        Options::from_answers(answers, NameSource::Flag)
    }

    /// Validates complete answers: every refusal names the valid choices.
    ///
    /// Every answer must be present (fill them first from defaults or prompts); a missing one is
    /// reported as [`UsageError::MissingAnswer`].
    pub fn from_answers(answers: Answers, name_source: NameSource) -> Result<Options, UsageError> {
        let missing = |flag: &'static str| UsageError::MissingAnswer { flag };
        let name = answers.name.ok_or(missing("--name"))?;
        let provider = answers.provider.ok_or(missing("--provider"))?;
        let algorithms = answers.algorithms.ok_or(missing("--alg"))?;
        let user_claim = answers.user_claim.ok_or(missing("--user-claim"))?;
        let storage = answers.storage.ok_or(missing("--storage"))?;
        let specs = resource_specs(answers.resource, answers.fields, answers.resources)?;
        let user_in_path = answers.user_in_path.ok_or(missing("--user-in-path"))?;

        let options = Options {
            name: validate_name(&name, name_source)?,
            provider,
            algorithms: {
                let algorithms = provider.parse_algorithms(&algorithms)?;
                provider.check_algorithms(&algorithms)?;
                algorithms
            },
            user_claim: validate_user_claim(&user_claim)?,
            storage,
            resources: resource::validate(&specs)?,
            user_in_path,
        };
        Ok(options)
    }

    /// The package name: `my-api`.
    /// Where the generated verifier gets its keys for these answers.
    pub fn key_source(&self) -> KeySource {
        self.provider.spec().key_source(&self.algorithms)
    }

    pub fn project_name(&self) -> String {
        self.name.to_kebab_case()
    }

    /// The library crate name: `my_api`.
    pub fn crate_name(&self) -> String {
        self.name.to_snake_case()
    }

    /// Every casing of the first resource.
    pub fn resource_names(&self) -> ResourceNames {
        self.resources[0].names()
    }

    /// The text of `authgate.toml` for `scope`: the tool version and the answers (every one for
    /// a project; only the provider, algorithms and user claim for the auth module alone),
    /// never a secret.
    /// `module`: the auth module's name (`src/<module>/`), recorded when it is not `auth`.
    pub fn answers_file_for(&self, scope: Scope, authgate_version: &str, module: &str) -> String {
        match scope {
            Scope::Project => self.answers_file(authgate_version),
            Scope::AuthModule => self.module_answers_file(authgate_version, module),
        }
    }

    fn module_answers_file(&self, authgate_version: &str, module: &str) -> String {
        #[derive(Serialize)]
        struct File<'a> {
            authgate_version: &'a str,
            scope: Scope,
            #[serde(skip_serializing_if = "Option::is_none")]
            module: Option<&'a str>,
            answers: Recorded<'a>,
        }
        #[derive(Serialize)]
        struct Recorded<'a> {
            provider: Provider,
            algorithms: &'a [Algorithm],
            user_claim: &'a str,
        }
        let file = File {
            authgate_version,
            scope: Scope::AuthModule,
            module: (module != DEFAULT_MODULE).then_some(module),
            answers: Recorded {
                provider: self.provider,
                algorithms: &self.algorithms,
                user_claim: &self.user_claim,
            },
        };
        let body = toml::to_string(&file).expect("the answers serialize to TOML");
        format!(
            "# Written by authgate: the answers its auth module (src/{module}/) was generated from.\n\
             # It holds no secrets; `authgate auth` reads it to regenerate the module.\n\
             {body}"
        )
    }

    /// The text of `authgate.toml`: the tool version and every answer, never a secret.
    pub fn answers_file(&self, authgate_version: &str) -> String {
        #[derive(Serialize)]
        struct File<'a> {
            authgate_version: &'a str,
            answers: Recorded<'a>,
            resources: Vec<ResourceSpec>,
        }
        #[derive(Serialize)]
        struct Recorded<'a> {
            name: &'a str,
            provider: Provider,
            algorithms: &'a [Algorithm],
            user_claim: &'a str,
            storage: Storage,
            user_in_path: bool,
        }
        let file = File {
            authgate_version,
            resources: self.resources.iter().map(Resource::spec).collect(),
            answers: Recorded {
                name: &self.name,
                provider: self.provider,
                algorithms: &self.algorithms,
                user_claim: &self.user_claim,
                storage: self.storage,
                user_in_path: self.user_in_path,
            },
        };
        let body = toml::to_string(&file).expect("the answers serialize to TOML");
        format!(
            "# Written by authgate: the answers this project was generated from.\n\
             # It holds no secrets; `authgate auth` reads it to regenerate the auth module.\n\
             {body}"
        )
    }
}

/// Rust keywords (strict, reserved and 2018+/2024 edition ones), which cannot name a crate or a
/// module, plus the names Cargo or the standard library reserve.
const RESERVED_NAMES: &[&str] = &[
    "abstract",
    "alloc",
    "as",
    "async",
    "await",
    "become",
    "box",
    "break",
    "build",
    "const",
    "continue",
    "core",
    "crate",
    "do",
    "dyn",
    "else",
    "enum",
    "extern",
    "false",
    "final",
    "fn",
    "for",
    "gen",
    "if",
    "impl",
    "in",
    "let",
    "loop",
    "macro",
    "match",
    "mod",
    "move",
    "mut",
    "override",
    "priv",
    "proc_macro",
    "pub",
    "ref",
    "return",
    "self",
    "static",
    "std",
    "struct",
    "super",
    "test",
    "trait",
    "true",
    "try",
    "type",
    "typeof",
    "unsafe",
    "unsized",
    "use",
    "virtual",
    "where",
    "while",
    "yield",
];

fn is_reserved(snake: &str) -> bool {
    RESERVED_NAMES.contains(&snake)
}

/// ASCII letters, digits, `-` and `_`, starting with a letter.
fn is_identifier_like(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn is_valid_crate_name(name: &str) -> bool {
    is_identifier_like(name) && !is_reserved(&name.to_snake_case())
}

/// A valid crate name close to `name` (`My API` → `my-api`), if one can be made.
pub fn suggest_crate_name(name: &str) -> Option<String> {
    let ascii: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    let kebab = ascii.to_kebab_case();
    let kebab = kebab.trim_start_matches(|c: char| !c.is_ascii_alphabetic());
    let candidate = if is_reserved(&kebab.to_snake_case()) {
        format!("{kebab}-api")
    } else {
        kebab.to_owned()
    };
    is_valid_crate_name(&candidate).then_some(candidate)
}

/// Returns the project name in kebab-case, or explains how to fix it.
pub fn validate_name(name: &str, source: NameSource) -> Result<String, UsageError> {
    if is_valid_crate_name(name) {
        return Ok(name.to_kebab_case());
    }
    let source_desc = match source {
        NameSource::Flag => "--name",
        NameSource::AnswersFile => "the answers file's name",
        NameSource::Directory => "the directory name",
    };
    let hint = match suggest_crate_name(name) {
        Some(fix) => format!("; pass --name {fix}"),
        None => "; pass --name with a name such as `my-api`".to_owned(),
    };
    Err(UsageError::InvalidName {
        source_desc,
        name: name.to_owned(),
        hint,
    })
}

/// The longest user-id claim name accepted; real ones are short (`sub`, a namespaced URL).
pub const MAX_USER_CLAIM_LEN: usize = 256;

/// Returns the claim name unchanged, or explains how to fix it.
pub fn validate_user_claim(claim: &str) -> Result<String, UsageError> {
    let problem = if claim.is_empty() {
        "--user-claim must not be empty; pass the claim that holds the user id, e.g. `sub`"
            .to_owned()
    } else if claim.chars().any(|c| c.is_whitespace() || c.is_control()) {
        format!(
            "--user-claim `{}` must not contain whitespace or control characters; \
             pass the claim name exactly as it appears in the token, e.g. `sub`",
            claim.escape_debug()
        )
    } else if claim.contains(['"', '\\']) {
        format!(
            "--user-claim `{claim}` must not contain `\"` or `\\`; \
             pass the claim name exactly as it appears in the token, e.g. `sub`"
        )
    } else if claim.chars().count() > MAX_USER_CLAIM_LEN {
        format!(
            "--user-claim is longer than {MAX_USER_CLAIM_LEN} characters; \
             pass the claim name exactly as it appears in the token, e.g. `sub`"
        )
    } else {
        return Ok(claim.to_owned());
    };
    Err(UsageError::InvalidUserClaim(problem))
}

/// The resources described by the answers: `[[resources]]`, or else one resource named by
/// `--resource` with the `--field`s given (none: the default fields).
fn resource_specs(
    resource: Option<String>,
    fields: Option<Vec<String>>,
    resources: Option<Vec<ResourceSpec>>,
) -> Result<Vec<ResourceSpec>, UsageError> {
    match (resources, resource) {
        (Some(resources), None) if fields.is_none() => Ok(resources),
        (Some(_), _) => Err(UsageError::InvalidResource(
            "the answers file lists its resources (`[[resources]]`); --resource and --field \
             cannot add to them: edit the file, or use `authgate add resource` in the project"
                .to_owned(),
        )),
        (None, None) => Err(UsageError::MissingAnswer { flag: "--resource" }),
        (None, Some(name)) => Ok(vec![ResourceSpec {
            name,
            parent: None,
            fields: fields.unwrap_or_default(),
            migration: None,
        }]),
    }
}

/// Returns the resource as plural kebab-case (`BlogPosts` → `blog-posts`), or explains how to
/// fix it.
pub fn validate_resource(resource: &str) -> Result<String, UsageError> {
    let invalid = |problem: String| Err(UsageError::InvalidResource(problem));
    let example = "e.g. `tasks` or `blog-posts`";
    if resource.is_empty() {
        return invalid(format!(
            "--resource must not be empty; pass a plural noun, {example}"
        ));
    }
    if !is_identifier_like(resource) {
        let fix = suggest_crate_name(resource)
            .filter(|fix| singular_of(fix).is_some())
            .map(|fix| format!("; pass --resource {fix}"))
            .unwrap_or_else(|| format!("; pass a plural noun, {example}"));
        return invalid(format!(
            "--resource `{resource}` may hold only ASCII letters, digits, `-` or `_`, \
             starting with a letter{fix}"
        ));
    }
    let plural = resource.to_kebab_case();
    let Some(singular) = singular_of(&plural) else {
        return invalid(format!(
            "--resource `{resource}` must be a plural noun, {example}; pass --resource {plural}s"
        ));
    };
    if plural.len() > MAX_RESOURCE_LEN {
        return invalid(format!(
            "--resource `{resource}` is longer than {MAX_RESOURCE_LEN} characters (it names a \
             database table and its index); choose a shorter noun, {example}"
        ));
    }
    // Another noun built on the same word, when the word itself is taken: `routes` →
    // `route-items`.
    let suggestion = || {
        let fix = format!("{singular}-items");
        match validate_resource(&fix) {
            Ok(_) => format!("pass --resource {fix} or another noun"),
            Err(_) => format!("choose another noun, {example}"),
        }
    };
    for word in [&plural, &singular] {
        let snake = word.to_snake_case();
        if is_reserved(&snake) {
            return invalid(format!(
                "--resource `{resource}` cannot be used: `{snake}` is a Rust keyword or a \
                 reserved name; {}",
                suggestion()
            ));
        }
        if GENERATED_NAMES.contains(&snake.as_str()) {
            return invalid(format!(
                "--resource `{resource}` cannot be used: `{snake}` already names a module or \
                 type of the generated project; {}",
                suggestion()
            ));
        }
    }
    Ok(plural)
}

/// The longest resource name accepted, in characters of its kebab-case plural. PostgreSQL
/// truncates identifiers at 63 bytes; the longest one made from the resource is its index,
/// `{plural}_owner_seq`.
pub const MAX_RESOURCE_LEN: usize = 40;

/// Names the generated project already uses for its modules (`src/auth/`, `src/routes/health.rs`,
/// ...) and for the types in scope beside the resource's own (`Owner`, `Page`, `Json`, what the
/// store and routes modules import, what the memory store imports beside every resource's type,
/// Rust's prelude: `Option`, `Vec`, ...), in snake case. A resource whose singular or plural is
/// one of them would shadow it. What only a backend's own module uses (its pool, connections,
/// writer) is not here: resources' types are not in its scope.
const GENERATED_NAMES: &[&str] = &[
    "api_error",
    "app_state",
    "arc",
    "auth",
    "box",
    "cause",
    "clone",
    "config",
    "copy",
    "cursor",
    "database_settings",
    "date",
    "date_time",
    "default",
    "deserialize",
    "drop",
    "error",
    "error_body",
    "extract",
    "fields",
    "from",
    "hash_map",
    "health",
    "helpers",
    "into",
    "into_params",
    "item_id",
    "item_path",
    "iterator",
    "json",
    "naive_date",
    "new_row",
    "openapi",
    "option",
    "ordering",
    "owner",
    "page",
    "parent_id",
    "pg_connection",
    "postgres",
    "query",
    "query_builder",
    "result",
    "route",
    "router",
    "routes",
    "row",
    "rw_lock",
    "send",
    "serialize",
    "sized",
    "sort_key",
    "sort_order",
    "state",
    "status_code",
    "store",
    "store_error",
    "string",
    "sync",
    "table",
    "telemetry",
    "time",
    "to_schema",
    "utc",
    "uuid",
    "vec",
];

/// The singular of a plural kebab-case noun, if it looks plural: `categories` → `category`,
/// `blog-posts` → `blog-post`. `class` (ends in `ss`) does not look plural.
fn singular_of(plural_kebab: &str) -> Option<String> {
    let singular = if let Some(stem) = plural_kebab.strip_suffix("ies") {
        format!("{stem}y")
    } else if plural_kebab.ends_with("ss") {
        return None;
    } else {
        plural_kebab.strip_suffix('s')?.to_owned()
    };
    let last_word = singular.rsplit('-').next().unwrap_or_default();
    (last_word.len() > 1 && is_identifier_like(&singular)).then_some(singular)
}

/// Every casing of the owned resource the templates need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceNames {
    /// `blog-posts`
    pub plural_kebab: String,
    /// `blog_posts`
    pub plural_snake: String,
    /// `blog_post`
    pub singular_snake: String,
    /// `BlogPost`
    pub singular_pascal: String,
    /// `BlogPosts`
    pub plural_pascal: String,
    /// `blog post`
    pub singular_words: String,
    /// `blog posts`
    pub plural_words: String,
}

impl ResourceNames {
    /// `plural` must already be validated (see [`validate_resource`]).
    pub(crate) fn new(plural: &str) -> ResourceNames {
        let plural_kebab = plural.to_kebab_case();
        let singular_kebab = singular_of(&plural_kebab).unwrap_or_else(|| plural_kebab.clone());
        let words = |kebab: &str| kebab.replace('-', " ");
        ResourceNames {
            plural_snake: plural_kebab.to_snake_case(),
            singular_snake: singular_kebab.to_snake_case(),
            singular_pascal: singular_kebab.to_upper_camel_case(),
            plural_pascal: plural_kebab.to_upper_camel_case(),
            singular_words: words(&singular_kebab),
            plural_words: words(&plural_kebab),
            plural_kebab,
        }
    }
}

fn io_reason(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_supported_configuration() {
        let options = Options::defaults("my-api").unwrap();
        assert_eq!(options.provider, Provider::BetterAuth);
        assert_eq!(options.algorithms, vec![Algorithm::EdDSA]);
        assert_eq!(options.user_claim, "sub");
        assert_eq!(options.storage, Storage::Sqlite);
        assert_eq!(options.resources[0].name, "tasks");
        assert!(options.user_in_path);
        assert_eq!(options.project_name(), "my-api");
        assert_eq!(options.crate_name(), "my_api");
    }

    #[test]
    fn crate_names() {
        for good in ["my-api", "my_api", "api2", "MyApi", "a"] {
            assert!(validate_name(good, NameSource::Flag).is_ok(), "{good}");
        }
        assert_eq!(validate_name("MyApi", NameSource::Flag).unwrap(), "my-api");
        for bad in [
            "",
            "My API",
            "1api",
            "-api",
            "fn",
            "test",
            "self",
            "std",
            "build",
            "proc-macro",
            "é",
        ] {
            assert!(validate_name(bad, NameSource::Flag).is_err(), "{bad}");
        }
        assert_eq!(suggest_crate_name("My API").as_deref(), Some("my-api"));
        assert_eq!(suggest_crate_name("1st api").as_deref(), Some("st-api"));
        assert_eq!(suggest_crate_name("test").as_deref(), Some("test-api"));
        assert_eq!(suggest_crate_name("123"), None);
        let err = validate_name("My API", NameSource::Directory).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("the directory name `My API` is not a valid crate name"),
            "{err}"
        );
        assert!(err.to_string().ends_with("; pass --name my-api"), "{err}");
    }

    #[test]
    fn user_claims() {
        for good in ["sub", "user_id", "https://example.com/uid"] {
            assert_eq!(validate_user_claim(good).unwrap(), good);
        }
        for bad in ["", "a b", "a\tb", "a\u{0}b", &"x".repeat(257)] {
            assert!(validate_user_claim(bad).is_err(), "{bad:?}");
        }
        assert!(validate_user_claim(&"x".repeat(256)).is_ok());
    }

    #[test]
    fn resources() {
        assert_eq!(validate_resource("tasks").unwrap(), "tasks");
        assert_eq!(validate_resource("BlogPosts").unwrap(), "blog-posts");
        assert_eq!(validate_resource("blog_posts").unwrap(), "blog-posts");
        for bad in [
            "task",
            "class",
            "s",
            "types",
            "blog posts",
            "1tasks",
            "tâches",
            "fns",
        ] {
            assert!(validate_resource(bad).is_err(), "{bad}");
        }
        let err = validate_resource("task").unwrap_err();
        assert_eq!(
            err.to_string(),
            "--resource `task` must be a plural noun, e.g. `tasks` or `blog-posts`; \
             pass --resource tasks"
        );
        // `Order` once clashed with the store's list ordering, since named `SortOrder`; the
        // names of a backend's own module (its pool, connections, writer) do not reach a
        // resource's scope.
        for good in [
            "orders",
            "pools",
            "connections",
            "writers",
            "paths",
            "durations",
        ] {
            assert_eq!(validate_resource(good).unwrap(), good);
        }
        assert_eq!(
            validate_resource("inventory_items").unwrap(),
            "inventory-items"
        );
        assert_eq!(
            validate_resource("").unwrap_err().to_string(),
            "--resource must not be empty; pass a plural noun, e.g. `tasks` or `blog-posts`"
        );
        assert!(validate_resource(&"x".repeat(MAX_RESOURCE_LEN)).is_err());
        assert!(validate_resource(&format!("{}s", "x".repeat(MAX_RESOURCE_LEN - 1))).is_ok());
        assert!(validate_resource(&format!("{}s", "x".repeat(MAX_RESOURCE_LEN))).is_err());
    }

    #[test]
    fn resources_that_collide_with_generated_names_are_refused_with_a_suggestion() {
        for (bad, fix) in [
            ("auths", "auth-items"),
            ("configs", "config-items"),
            ("errors", "error-items"),
            ("routes", "route-items"),
            ("stores", "store-items"),
            ("healths", "health-items"),
            ("telemetries", "telemetry-items"),
            ("owners", "owner-items"),
            ("pages", "page-items"),
            ("States", "state-items"),
            ("options", "option-items"),
            ("rows", "row-items"),
            ("cursors", "cursor-items"),
            ("sort-orders", "sort-order-items"),
            ("dates", "date-items"),
        ] {
            let err = validate_resource(bad).unwrap_err().to_string();
            assert!(
                err.contains("already names a module or type"),
                "{bad}: {err}"
            );
            assert!(
                err.contains(&format!("pass --resource {fix} ")),
                "{bad}: {err}"
            );
            assert!(validate_resource(fix).is_ok(), "{fix}");
        }
        let err = validate_resource("types").unwrap_err().to_string();
        assert!(err.contains("`type` is a Rust keyword"), "{err}");
        assert!(err.contains("pass --resource type-items "), "{err}");
        for good in ["users", "memories", "categories", "blog-posts", "routings"] {
            assert!(validate_resource(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn resource_casings() {
        let names = ResourceNames::new("blog-posts");
        assert_eq!(names.plural_kebab, "blog-posts");
        assert_eq!(names.plural_snake, "blog_posts");
        assert_eq!(names.singular_snake, "blog_post");
        assert_eq!(names.singular_pascal, "BlogPost");
        assert_eq!(names.plural_pascal, "BlogPosts");
        assert_eq!(names.singular_words, "blog post");
        assert_eq!(names.plural_words, "blog posts");
        assert_eq!(ResourceNames::new("categories").singular_snake, "category");
    }

    #[test]
    fn combinations_the_provider_never_issues_are_refused() {
        let answers = |provider, algorithms: &[&str]| {
            Answers {
                name: Some("my-api".into()),
                provider: Some(provider),
                algorithms: Some(algorithms.iter().map(|a| a.to_string()).collect()),
                ..Answers::default()
            }
            .or_defaults()
        };
        let refused = |provider, algorithms| {
            Options::from_answers(answers(provider, algorithms), NameSource::Flag).unwrap_err()
        };
        assert_eq!(
            refused(Provider::Clerk, &["ES256"]),
            UsageError::ClerkRs256Only
        );
        assert_eq!(
            refused(Provider::Auth0, &["HS256", "RS256"]),
            UsageError::Auth0MixedHmac { alg: "RS256" }
        );
        let accepted = Options::from_answers(
            answers(Provider::Oidc, &["rs256", "ES256", "eddsa"]),
            NameSource::Flag,
        );
        assert_eq!(accepted.unwrap().algorithms.len(), 3);
        // ES512 (P-521) is verified through aws-lc-rs, jsonwebtoken having no ES512.
        for provider in [Provider::BetterAuth, Provider::Oidc] {
            let accepted =
                Options::from_answers(answers(provider, &["ES512"]), NameSource::Flag).unwrap();
            assert_eq!(accepted.algorithms, [Algorithm::ES512]);
        }
    }

    #[test]
    fn answers_file_round_trips() {
        let options = Options::defaults("my-api").unwrap();
        let text = options.answers_file("1.2.3");
        assert!(text.starts_with("# Written by authgate"));
        let answers = Answers::from_toml(&text).unwrap();
        let again = Options::from_answers(answers, NameSource::AnswersFile).unwrap();
        assert_eq!(again, options);
    }

    #[test]
    fn answers_file_refuses_unknown_keys_in_one_line() {
        let err =
            Answers::from_toml("[answers]\nprovider = \"clerk\"\ncolour = \"red\"\n").unwrap_err();
        assert!(err.starts_with("line 3: unknown field `colour`"), "{err}");
        assert!(!err.contains('\n'));
        let err = Answers::from_toml("secret = 1\n").unwrap_err();
        assert!(err.starts_with("line 1: unknown field `secret`"), "{err}");
    }

    #[test]
    fn missing_answers_in_prompt_order() {
        let mut answers = Answers::default();
        assert_eq!(answers.first_missing(), Some("--provider"));
        answers.provider = Some(Provider::Auth0);
        assert_eq!(answers.first_missing(), Some("--alg"));
        let filled = answers.or_defaults();
        assert_eq!(filled.first_missing(), None);
        assert_eq!(filled.algorithms, Some(vec!["RS256".to_owned()]));
    }
}
