//! One module per command. Each resolves its answers, does its work, and returns the text to
//! print (worded by [`crate::report`]); [`crate::run`] prints it.

pub(crate) mod add;
pub(crate) mod auth;
pub(crate) mod new;
pub(crate) mod providers;

use clap::CommandFactory;

use crate::cli::Cli;

/// `authgate completions SHELL`: the completion script for `shell`.
pub(crate) fn completions(shell: clap_complete::Shell) -> String {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "authgate", &mut out);
    // The script is made of the command line's names and help texts, all of them `&str`: the
    // lossy conversion never replaces anything.
    String::from_utf8_lossy(&out).into_owned()
}
