//! `authgate add resource NAME [PATH]`: adds a resource to a project authgate generated. The
//! model (the recorded resources and the new one) is validated whole, then [`crate::regen`]
//! plans the files it changes without writing; this shows the plan (`--dry-run`) or applies it.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};

use crate::cli::{AddCommand, AddResourceArgs};
use crate::error::{IoFailure, RegenFailure, UsageError};
use crate::options::{Answers, Options, Scope};
use crate::render::ANSWERS_FILE;
use crate::resource::{self, Resource, ResourceSpec};
use crate::{prompt, regen, report};

/// `authgate add ...`: returns what to print, and the failure to end with (exit status 1) after
/// printing it: conflicts to resolve.
pub(crate) fn run(command: AddCommand) -> Result<(String, Option<RegenFailure>)> {
    match command {
        AddCommand::Resource(args) => add_resource(args),
    }
}

fn add_resource(args: AddResourceArgs) -> Result<(String, Option<RegenFailure>)> {
    let root = args.path.clone();
    let before = recorded_project(&root)?;
    let recorded: Vec<ResourceSpec> = before.resources.iter().map(Resource::spec).collect();
    let mut taken: Vec<u64> = before
        .resources
        .iter()
        .filter_map(|r| r.migration.parse().ok())
        .collect();
    taken.extend(regen::migration_versions(&root)?);
    let mut spec = ResourceSpec {
        name: args.name.clone(),
        parent: args.parent.clone(),
        fields: args.fields.clone(),
        migration: Some(resource::next_migration(unix_now(), &taken)?),
    };
    let model = |spec: &ResourceSpec| {
        let mut specs = recorded.clone();
        specs.push(spec.clone());
        resource::validate(&specs)
    };
    // Refused before any question: a name or parent that cannot be, fields given that cannot.
    let mut resources = model(&spec)?;

    let wizard =
        (spec.fields.is_empty() && !args.yes && prompt::is_interactive()).then(prompt::Wizard::new);
    if let Some(wizard) = &wizard {
        let added = resources.last().expect("the model holds the new resource");
        spec.fields = wizard.ask_fields(&added.name, added.parent.as_deref(), |fields| {
            let spec = ResourceSpec {
                fields: fields.to_vec(),
                ..spec.clone()
            };
            model(&spec).map(drop)
        })?;
        resources = model(&spec)?;
        let added = resources.last().expect("the model holds the new resource");
        wizard.show_add_summary(&root, &spec, added, before.user_in_path)?;
    }
    let after = Options {
        resources,
        ..before.clone()
    };
    let added = after
        .resources
        .last()
        .expect("the model holds the new resource");
    let plan = regen::plan_addition(&root, &before, &after)?;

    if args.dry_run {
        let text = unless_quiet(args.quiet, || report::resource_dry_run(&plan, added));
        return Ok((text, None));
    }
    if let Some(wizard) = &wizard {
        wizard.confirm_add(&root, &added.name)?;
    }
    regen::apply(&plan).with_context(|| IoFailure::UpdateProject {
        root: root.clone(),
        command: prompt::add_equivalent_command(&root, &spec),
    })?;
    let conflicts = plan.conflicts();
    let failure = (!conflicts.is_empty()).then_some(RegenFailure::ResourceConflicts(conflicts));
    let text = unless_quiet(args.quiet, || report::resource_added(&plan, added));
    Ok((text, failure))
}

/// The options of the project authgate generated at `root`, from its `authgate.toml`; a
/// directory without one, or one that records an auth module only, is refused.
fn recorded_project(root: &Path) -> Result<Options> {
    if !root.is_dir() {
        return Err(UsageError::ProjectNotADirectory(root.to_owned()).into());
    }
    let file = regen::read_recorded(root)?
        .ok_or_else(|| UsageError::NotAGeneratedProject(root.to_owned()))?;
    let answers_path = root.join(ANSWERS_FILE);
    if file.scope == Scope::AuthModule {
        return Err(UsageError::AuthModuleOnly(answers_path).into());
    }
    let (options, _) = regen::recorded_options(&file, &answers_path, &Answers::default())?;
    Ok(options)
}

/// Seconds since the Unix epoch, now (a clock before 1970 reads as 1970).
fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

/// `--quiet` keeps the outcome (the exit status) and drops the text.
fn unless_quiet(quiet: bool, text: impl FnOnce() -> String) -> String {
    if quiet { String::new() } else { text() }
}
