//! Interactive questions for the answers not given on the command line or in `--config`.
//!
//! Prompts are drawn on stderr and read from stdin, so they are used only when both are
//! terminals; otherwise a missing answer is an error, never a hang.

use std::io::IsTerminal;

use anyhow::{Context, Result};
use dialoguer::theme::ColorfulTheme;
use dialoguer::{Confirm, Input, MultiSelect, Select};

use crate::options::{Answers, Storage, defaults, validate_resource, validate_user_claim};
use crate::provider::Provider;

/// Whether prompts can be shown: stdin and stderr are both terminals.
pub fn is_interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Asks for every answer still missing, in the order the flags are documented. Each prompt starts
/// on the default, so pressing ENTER throughout gives what `--yes` gives.
pub fn ask_missing(mut answers: Answers) -> Result<Answers> {
    let theme = ColorfulTheme::default();

    let provider = match answers.provider {
        Some(provider) => provider,
        None => {
            let items: Vec<String> = Provider::ALL
                .iter()
                .map(|p| format!("{p:<14} {}", p.description()))
                .collect();
            let default = Provider::ALL
                .iter()
                .position(|p| *p == defaults::PROVIDER)
                .unwrap_or_default();
            let chosen = Select::with_theme(&theme)
                .with_prompt("Identity provider")
                .items(&items)
                .default(default)
                .interact()
                .context("reading the identity provider")?;
            *answers.provider.insert(Provider::ALL[chosen])
        }
    };

    if answers.algorithms.is_none() {
        let choices = provider.algorithms();
        let chosen = if choices.len() == 1 {
            vec![0]
        } else {
            let checked: Vec<bool> = choices
                .iter()
                .map(|alg| *alg == provider.default_algorithm())
                .collect();
            let names: Vec<&str> = choices.iter().map(|alg| alg.as_str()).collect();
            MultiSelect::with_theme(&theme)
                .with_prompt("Signing algorithms to accept (space toggles, enter confirms)")
                .items(&names)
                .defaults(&checked)
                .interact()
                .context("reading the signing algorithms")?
        };
        answers.algorithms = Some(
            chosen
                .into_iter()
                .map(|i| choices[i].as_str().to_owned())
                .collect(),
        );
    }

    if answers.user_claim.is_none() {
        let claim: String = Input::with_theme(&theme)
            .with_prompt("Claim that holds the user id")
            .default(defaults::USER_CLAIM.to_owned())
            .validate_with(|claim: &String| validate_user_claim(claim).map(|_| ()))
            .interact_text()
            .context("reading the user claim")?;
        answers.user_claim = Some(claim);
    }

    if answers.storage.is_none() {
        let names: Vec<&str> = Storage::ALL.iter().map(|s| s.as_str()).collect();
        let default = Storage::ALL
            .iter()
            .position(|s| *s == defaults::STORAGE)
            .unwrap_or_default();
        let chosen = Select::with_theme(&theme)
            .with_prompt("Storage backend")
            .items(&names)
            .default(default)
            .interact()
            .context("reading the storage backend")?;
        answers.storage = Some(Storage::ALL[chosen]);
    }

    if answers.resource.is_none() {
        let resource: String = Input::with_theme(&theme)
            .with_prompt("Owned resource (a plural noun)")
            .default(defaults::RESOURCE.to_owned())
            .validate_with(|resource: &String| validate_resource(resource).map(|_| ()))
            .interact_text()
            .context("reading the resource")?;
        answers.resource = Some(resource);
    }

    if answers.user_in_path.is_none() {
        let user_in_path = Confirm::with_theme(&theme)
            .with_prompt("Put the user id in the path (/api/{user_id}/...)?")
            .default(defaults::USER_IN_PATH)
            .interact()
            .context("reading the route style")?;
        answers.user_in_path = Some(user_in_path);
    }

    Ok(answers)
}
