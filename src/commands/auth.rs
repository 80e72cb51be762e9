//! `authgate auth [PATH]`: (re)generates the auth module of an existing package. [`crate::regen`]
//! plans it without writing; this shows the plan (`--dry-run`, `--check`) or applies it.

use std::path::Path;

use anyhow::{Context, Result};

use crate::cli::AuthArgs;
use crate::commands::providers::required_env_vars;
use crate::error::{IoFailure, RegenFailure, UsageError};
use crate::options::{Answers, DEFAULT_MODULE, NameSource, Options, Scope, validate_module};
use crate::{prompt, regen, render, report};

/// `authgate auth`: plans the regeneration, then shows it (`--dry-run`, `--check`) or applies
/// it. Returns what to print, and the failure to end with (exit status 1) after printing it:
/// conflicts to resolve, or a module out of date under `--check`.
pub(crate) fn run(args: AuthArgs) -> Result<(String, Option<RegenFailure>)> {
    let flags = args.answers();
    let root = args.path.clone();
    let flag_module = args.module.as_deref().map(validate_module).transpose()?;
    let module = flag_module.as_deref().unwrap_or(DEFAULT_MODULE);
    let (plan, wizard) = match regen::inspect(&root, args.check, module)? {
        regen::Found::Recorded(file) => {
            let recorded = file.module.as_deref().unwrap_or(DEFAULT_MODULE);
            let module = match flag_module.as_deref() {
                Some(_) if file.scope == Scope::Project => {
                    return Err(UsageError::ModuleInProject.into());
                }
                Some(flag) if flag != recorded => {
                    return Err(UsageError::InvalidModule(format!(
                        "--module `{flag}`: the module here is `src/{recorded}/` \
                         (authgate.toml); renaming it is not supported: run `authgate auth` \
                         without --module"
                    ))
                    .into());
                }
                _ => recorded,
            };
            let answers_path = root.join(render::ANSWERS_FILE);
            let (options, previous) = regen::recorded_options(&file, &answers_path, &flags)?;
            let plan = regen::plan(&root, file.scope, &options, previous.as_ref(), module)?;
            (plan, None)
        }
        regen::Found::Package => {
            let (options, wizard) = resolve_module_options(flags, args.yes, &root)?;
            let plan = regen::plan(&root, Scope::AuthModule, &options, None, module)?;
            (plan, wizard)
        }
    };
    let again = report::auth_again(&root);
    let quiet = args.quiet;

    if args.check {
        if !plan.changes_files() {
            let text = unless_quiet(quiet, || report::checked_up_to_date(&root, &plan.options));
            return Ok((text, None));
        }
        let text = unless_quiet(quiet, || report::would_change(&root, &plan));
        return Ok((text, Some(RegenFailure::OutOfDate { command: again })));
    }

    if args.dry_run {
        let text = unless_quiet(quiet, || {
            if plan.changes_files() {
                report::auth_dry_run(&root, &plan)
            } else {
                report::dry_run_up_to_date(&root, &plan.options)
            }
        });
        return Ok((text, None));
    }

    if let Some(wizard) = wizard {
        wizard.confirm_auth(&root)?;
    }
    regen::apply(&plan).with_context(|| IoFailure::UpdateProject {
        root: root.clone(),
        command: again,
    })?;
    let conflicts = plan.conflicts();
    let failure = (!conflicts.is_empty()).then_some(RegenFailure::Conflicts(conflicts));
    let required = required_env_vars(&plan.options);
    let text = unless_quiet(quiet, || report::auth_applied(&plan, &required));
    Ok((text, failure))
}

/// `--quiet` keeps the outcome (the exit status) and drops the text.
fn unless_quiet(quiet: bool, text: impl FnOnce() -> String) -> String {
    if quiet { String::new() } else { text() }
}

/// The answers of an auth module added to a repository authgate did not generate: the flags,
/// then the defaults under `--yes`, then the wizard when stdin and stderr are terminals.
fn resolve_module_options(
    flags: Answers,
    yes: bool,
    path: &Path,
) -> Result<(Options, Option<prompt::Wizard>)> {
    let mut answers = regen::module_answers(flags);
    if yes {
        answers = answers.or_defaults();
    }
    let Some(flag) = answers.first_missing() else {
        return Ok((Options::from_answers(answers, NameSource::Flag)?, None));
    };
    if !prompt::is_interactive() {
        return Err(UsageError::MissingAnswer { flag }.into());
    }
    let wizard = prompt::Wizard::new();
    let answers = wizard.ask_missing(answers, "app")?;
    wizard.show_auth_summary(path, &answers)?;
    let options = Options::from_answers(answers, NameSource::Flag)?;
    Ok((options, Some(wizard)))
}
