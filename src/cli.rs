//! The command line, declared with clap. No logic here: `lib.rs` acts on what this parses.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::options::Storage;
use crate::provider::Provider;

/// Generate a secure, tested axum API for your identity provider from one command.
///
/// Exit status: 0 on success, 1 on a failure while working, 2 when the command line, the answers
/// or the target directory are refused (nothing is written then).
#[derive(Debug, Parser)]
#[command(name = "authgate", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render a new project into PATH (which must not exist, or be an empty directory).
    New(NewArgs),
    /// (Re)generate the auth module of the project at PATH.
    Auth(AuthArgs),
    /// List the identity providers, their algorithms, user claim and environment variables.
    Providers,
    /// Print shell completions for authgate.
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

    /// Print the files that would be written, and write nothing.
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

    #[command(flatten)]
    pub answers: AnswerArgs,

    /// Show what would change, and write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Print nothing on success.
    #[arg(long, short)]
    pub quiet: bool,
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
