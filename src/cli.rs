//! The command line, declared with clap. No logic here: the `commands` act on what this parses.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::options::{Answers, Storage};
use crate::provider::Provider;
use crate::vcs::Vcs;

/// Generate a secure, tested axum API for your identity provider from one command.
///
/// Exit status: 0 on success, 1 on a failure while working, 2 when the command line, the answers
/// or the target directory are refused, 130 when the wizard is cancelled (nothing is written in
/// the last two cases).
///
/// Colour is used only on a terminal, and never when NO_COLOR is set.
#[derive(Debug, Parser)]
#[command(name = "authgate", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render a new project into PATH (which must not exist, or be an empty directory).
    ///
    /// On a terminal, every answer not given as a flag or in --config is asked, then all of them
    /// are shown with the equivalent command line and confirmed before anything is written. Esc
    /// or Ctrl-C at any prompt leaves with status 130 and writes nothing. Without a terminal, a
    /// missing answer is an error (status 2) naming its flag; --yes takes the defaults.
    New(NewArgs),
    /// (Re)generate the auth module of the project at PATH, keeping your edits.
    ///
    /// In a project with an `authgate.toml`: applies the flags given to its answers (e.g.
    /// `--provider auth0`), renders again, and updates `src/auth/`, the tests and settings that
    /// depend on the provider, `.env.example`, `README.md` and the Cargo.toml dependencies.
    /// Files you have not touched are replaced; files you edited are merged three ways against
    /// authgate's copy of what it last wrote (`.authgate/pristine/`). Overlapping edits get
    /// conflict markers, are listed, and the exit status is 1.
    ///
    /// In a Rust package that authgate did not generate: asks for (or takes) the provider,
    /// algorithms and user claim, writes `src/auth/`, adds its dependencies, records
    /// `authgate.toml`, and prints how to wire the module into your router. An existing
    /// `src/auth/` is never overwritten.
    Auth(AuthArgs),
    /// Add to a project authgate generated: `authgate add resource NAME`.
    #[command(subcommand)]
    Add(AddCommand),
    /// List the identity providers, their algorithms, user claim and environment variables.
    Providers,
    /// Print shell completions for authgate.
    ///
    /// For example: `authgate completions bash > ~/.local/share/bash-completion/completions/authgate`,
    /// `authgate completions zsh > ~/.zfunc/_authgate` (with `~/.zfunc` in `fpath`), or
    /// `authgate completions fish > ~/.config/fish/completions/authgate.fish`.
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// Where to create the project; its last component is the default project name.
    pub path: PathBuf,

    #[command(flatten)]
    pub answers: AnswerArgs,

    /// Initialise a git repository, or none [default: git, unless PATH is inside a git work
    /// tree]
    #[arg(long, value_enum, value_name = "VCS")]
    pub vcs: Option<Vcs>,

    /// Print the files that would be written, and write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Print nothing on success.
    #[arg(long, short)]
    pub quiet: bool,
}

/// What `authgate add` adds.
#[derive(Debug, Subcommand)]
pub enum AddCommand {
    /// Add an owned resource (its migration, store, routes, OpenAPI and tests), keeping your
    /// edits.
    ///
    /// In a project `authgate new` generated: records the resource in `authgate.toml`, writes a
    /// new migration (`migrations/<UTC time>_create_<name>.sql`; applied migrations are never
    /// edited), and renders again: the files the resource changes are replaced when you have
    /// not touched them and merged three ways when you have. Overlapping edits get conflict
    /// markers, are listed, and the exit status is 1. On a terminal, without --field, the fields
    /// are asked one by one, then the equivalent command is shown and confirmed.
    Resource(AddResourceArgs),
}

#[derive(Debug, Args)]
pub struct AddResourceArgs {
    /// The resource, a plural noun such as `tasks` or `blog-posts`.
    #[arg(value_name = "NAME")]
    pub name: String,

    /// The project to add it to.
    #[arg(default_value = ".")]
    pub path: PathBuf,

    /// The resource it nests under: `--parent projects` gives
    /// `/api/{user_id}/projects/{project_id}/NAME`
    #[arg(long, value_name = "PARENT")]
    pub parent: Option<String>,

    /// A field, repeatable: `title:string`, `done:bool=false`, `due:date?`,
    /// `priority:enum(low|normal|high)=normal` [default: title, description and completed]
    #[arg(long = "field", value_name = "NAME:TYPE[?][=DEFAULT]")]
    pub fields: Vec<String>,

    /// Take the default fields without asking when no --field is given
    #[arg(long, short)]
    pub yes: bool,

    /// Show what would change as unified diffs, and write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Print nothing on success.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct AuthArgs {
    /// The project to update.
    #[arg(default_value = ".")]
    pub path: PathBuf,

    /// Identity provider that issues the tokens [default: the recorded one, else better-auth]
    #[arg(long, value_enum, value_name = "PROVIDER")]
    pub provider: Option<Provider>,

    /// Signing algorithm(s) to accept, repeatable or comma-separated [default: the recorded
    /// ones; the provider's when --provider changes it]
    #[arg(long = "alg", value_name = "ALG", value_delimiter = ',')]
    pub algorithms: Vec<String>,

    /// Claim that holds the user id [default: the recorded one, else sub]
    #[arg(long, value_name = "CLAIM")]
    pub user_claim: Option<String>,

    /// Name of the module in a package of yours, when `src/auth/` or `src/auth.rs` is taken
    /// [default: the recorded one, else auth]
    #[arg(long, value_name = "NAME")]
    pub module: Option<String>,

    /// Take the default for every answer not given (only asked where there is no authgate.toml)
    #[arg(long, short)]
    pub yes: bool,

    /// Show what would change as unified diffs, and write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Write nothing; exit with status 1 (showing the diff) when `authgate auth` would change
    /// anything, e.g. in CI after upgrading authgate or editing authgate.toml.
    #[arg(long, conflicts_with = "dry_run")]
    pub check: bool,

    /// Print nothing on success.
    #[arg(long, short)]
    pub quiet: bool,
}

impl AuthArgs {
    /// The answers given as flags: the provider, algorithms and user claim.
    pub fn answers(&self) -> Answers {
        Answers {
            provider: self.provider,
            algorithms: (!self.algorithms.is_empty()).then(|| self.algorithms.clone()),
            user_claim: self.user_claim.clone(),
            ..Answers::default()
        }
    }
}

/// One flag per answer. An answer not given comes from `--config`, then the default under
/// `--yes`, then a prompt when stdin and stderr are terminals.
#[derive(Debug, Args)]
pub struct AnswerArgs {
    /// Project (crate) name [default: the last component of PATH]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// Identity provider that issues the tokens [default: better-auth]
    #[arg(long, value_enum, value_name = "PROVIDER")]
    pub provider: Option<Provider>,

    /// Signing algorithm(s) to accept, repeatable or comma-separated [default: the provider's]
    #[arg(long = "alg", value_name = "ALG", value_delimiter = ',')]
    pub algorithms: Vec<String>,

    /// Claim that holds the user id [default: sub]
    #[arg(long, value_name = "CLAIM")]
    pub user_claim: Option<String>,

    /// Storage backend of the generated project [default: sqlite]
    #[arg(long, value_enum, value_name = "STORAGE")]
    pub storage: Option<Storage>,

    /// Owned resource, a plural noun such as `tasks` or `blog-posts` [default: tasks]
    #[arg(long, value_name = "PLURAL")]
    pub resource: Option<String>,

    /// A field of the first resource, repeatable: `title:string`, `done:bool=false`,
    /// `due:date?`, `priority:enum(low|normal|high)=normal` [default: title, description and
    /// completed]
    #[arg(long = "field", value_name = "NAME:TYPE[?][=DEFAULT]")]
    pub fields: Vec<String>,

    /// Put the user id in the route: `/api/{user_id}/{resource}` [default: true]
    #[arg(long, value_name = "BOOL", value_parser = clap::value_parser!(bool))]
    pub user_in_path: Option<bool>,

    /// Answers file (TOML, the shape of `authgate.toml`); flags override it
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Take the default for every answer not given, like mashing ENTER at each prompt
    #[arg(long, short)]
    pub yes: bool,
}

impl AnswerArgs {
    /// The answers given as flags (`--config` and `--yes` are applied by the caller).
    pub fn answers(&self) -> Answers {
        Answers {
            name: self.name.clone(),
            provider: self.provider,
            algorithms: (!self.algorithms.is_empty()).then(|| self.algorithms.clone()),
            user_claim: self.user_claim.clone(),
            storage: self.storage,
            resource: self.resource.clone(),
            fields: (!self.fields.is_empty()).then(|| self.fields.clone()),
            resources: None,
            user_in_path: self.user_in_path,
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn algorithms_are_repeatable_and_comma_separated() {
        let cli = Cli::try_parse_from([
            "authgate",
            "new",
            "x",
            "--alg",
            "EdDSA,es256",
            "--alg",
            "RS256",
        ])
        .unwrap();
        let Command::New(args) = cli.command else {
            panic!("expected `new`")
        };
        assert_eq!(args.answers.algorithms, ["EdDSA", "es256", "RS256"]);
    }
}
