//! Everything the commands print on success, in one place: the reports of `authgate new` and
//! `authgate auth` (with the per-file summary and the diffs of a plan), their `next:` hints, and
//! the `authgate providers` listing.
//!
//! The commands compute (what was written, the plan, the facts about each provider) and hand the
//! result here; these functions only turn it into text. Nothing here touches the disk or prints:
//! [`crate::run`] prints the text once the command is done. Failures are worded in
//! [`crate::error`]; the wizard's questions in [`crate::prompt`].

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use console::style;

use crate::commands::providers::Listing;
use crate::options::{Options, Scope};
use crate::regen::{ChangeKind, Plan};
use crate::render::{self, RenderedFiles};
use crate::resource::Resource;
use crate::write::PlannedFile;

/// Where each line goes that wires the auth module into a package's server, as printed after
/// `authgate auth` adds the module to a repository (the tests apply them to real packages),
/// after the module's declaration ([`declaration`]). They compile in a `main` that returns `()`
/// and in one that returns a `Result`. `{module}` stands for the module's name (`auth`, or
/// `--module`'s).
pub const WIRING: [(&str, &[&str]); 3] = [
    (
        "in `main`, before your router is built",
        &[
            "let settings = {module}::AuthSettings::from_env(false).unwrap_or_else(|errors| {",
            "    for error in errors {",
            "        eprintln!(\"error: {error}\");",
            "    }",
            "    std::process::exit(2)",
            "});",
            "let Ok(verifier) = {module}::Verifier::new(settings); // `new` cannot fail",
            "let verifier = std::sync::Arc::new(verifier);",
            "verifier.start(); // loads the signing keys and keeps them fresh (none to load for a shared secret)",
        ],
    ),
    (
        "once your router `app` is built (its state given), a route that needs a token",
        &[
            "let app = app.merge(axum::Router::new().route(\"/me\", axum::routing::get(me)).with_state(verifier));",
        ],
    ),
    (
        "beside `main`",
        &["async fn me(user: {module}::AuthUser) -> String { user.user_id }"],
    ),
];

/// Where a package's code is, for the wiring printed after `authgate auth` adds the module:
/// its library and its server's file, each relative to the package.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Layout {
    /// The library's root (`src/lib.rs`, or `[lib]`'s path) and its crate name.
    pub library: Option<(PathBuf, String)>,
    /// The file with the server's `main`: `src/main.rs`, else the package's only binary.
    pub server: Option<PathBuf>,
}

/// Where the module `src/{module}/` is declared, and how, as headings with their lines. In a
/// package with a library, the library declares it `pub` (its routes, and the package's tests,
/// can take the extractor only from there) and the server brings it in with `use`; otherwise
/// the server's file declares it. A file outside `src/` itself (`src/bin/api.rs`) declares it
/// with a `#[path]` to the module; when authgate found no server file, the heading says what
/// to do.
pub fn declaration(layout: &Layout, module: &str) -> Vec<(String, Vec<String>)> {
    let Some((library, name)) = &layout.library else {
        let Some(server) = &layout.server else {
            return vec![(
                format!(
                    "at the top of the file with your server's `main` (outside src/: \
                     `#[path = \"<from its folder to src>/{module}/mod.rs\"]` before the line)"
                ),
                vec![format!("mod {module};")],
            )];
        };
        return vec![declared_in(server, "", module)];
    };
    let used = vec![format!("use {name}::{module};")];
    let server = match &layout.server {
        Some(server) => (format!("at the top of {}", server.display()), used),
        None => ("in the file with your server's `main`".to_owned(), used),
    };
    vec![declared_in(library, "pub ", module), server]
}

/// `{visibility}mod {module};` at the top of `file`, with the `#[path]` that leads from `file`'s
/// folder to `src/{module}/mod.rs` when that folder is not `src/`.
fn declared_in(file: &Path, visibility: &str, module: &str) -> (String, Vec<String>) {
    let heading = format!("at the top of {}", file.display());
    let declare = format!("{visibility}mod {module};");
    let folder = file.parent().unwrap_or(Path::new(""));
    if folder == Path::new("src") {
        return (heading, vec![declare]);
    }
    // From the file's folder up to `src/` (or to the package, then down into `src/`).
    let (up, down) = match folder.strip_prefix("src") {
        Ok(below) => (below.components().count(), ""),
        Err(_) => (folder.components().count(), "src/"),
    };
    let path = format!("#[path = \"{}{down}{module}/mod.rs\"]", "../".repeat(up));
    (heading, vec![path, declare])
}

/// What `authgate new` created at `path` (`in_place`: the current directory, so no `cd`), and
/// what to do next. `required` are the environment variables the project cannot start without.
pub(crate) fn created(
    path: &Path,
    in_place: bool,
    files: &RenderedFiles,
    required: &[&str],
) -> String {
    let mut out = format!(
        "{} `{}` with {} files:\n",
        style("created").for_stdout().green().bold(),
        display_dir(path),
        files.len()
    );
    for file in files.keys() {
        let _ = writeln!(out, "  {}", file.display());
    }
    let _ = writeln!(out, "\n{}", style("next:").for_stdout().bold());
    if !in_place {
        let _ = writeln!(out, "  cd {}", shell_quote(&path.display().to_string()));
    }
    out.push_str("  cargo test\n");
    let _ = writeln!(
        out,
        "  cp .env.example .env    # then set {}",
        required.join(", ")
    );
    out.push_str("  cargo run\n");
    out
}

/// What `authgate new --dry-run` would write at `path`: each file with its size.
pub(crate) fn would_create(path: &Path, plan: &[PlannedFile]) -> String {
    let width = plan
        .iter()
        .map(|f| f.bytes.to_string().len())
        .max()
        .unwrap_or(1);
    let mut out = format!(
        "{} `{}` with {} files:\n",
        style("would create").for_stdout().bold(),
        display_dir(path),
        plan.len()
    );
    for file in plan {
        let _ = writeln!(
            out,
            "  {:>width$} bytes  {}",
            file.bytes,
            file.path.display()
        );
    }
    out.push_str("nothing written (--dry-run)\n");
    out
}

/// `authgate auth --check` found nothing to change.
pub(crate) fn checked_up_to_date(root: &Path, options: &Options) -> String {
    format!(
        "{} `{}` is up to date ({})\n",
        style("ok:").for_stdout().green().bold(),
        display_dir(root),
        describe(options)
    )
}

/// `authgate auth --dry-run` found nothing to change.
pub(crate) fn dry_run_up_to_date(root: &Path, options: &Options) -> String {
    format!(
        "`{}` is up to date ({}); nothing to change\n",
        display_dir(root),
        describe(options)
    )
}

/// What `authgate auth --dry-run` would change.
pub(crate) fn auth_dry_run(root: &Path, plan: &Plan) -> String {
    format!("{}nothing written (--dry-run)\n", would_change(root, plan))
}

/// What `authgate auth` would change at `root`: a summary of the files, then their diffs.
pub(crate) fn would_change(root: &Path, plan: &Plan) -> String {
    format!(
        "{} `{}` ({}):\n{}\n{}",
        style("would change").for_stdout().bold(),
        display_dir(root),
        describe(&plan.options),
        summary(plan),
        diff(plan)
    )
}

/// What `authgate auth` did, and what to do next. `required` are the environment variables the
/// module cannot start without.
/// `layout` is where the package's library and server are, as far as authgate found them (see
/// [`declaration`]).
pub(crate) fn auth_applied(plan: &Plan, required: &[&str], layout: &Layout) -> String {
    let root = display_dir(&plan.root);
    if !plan.changes_files() {
        return format!(
            "`{root}` is up to date ({}); nothing changed\n{}",
            describe(&plan.options),
            summary(plan)
        );
    }
    let first = plan.changes.iter().any(|change| {
        change.path == Path::new(render::ANSWERS_FILE) && change.kind == ChangeKind::Created
    });
    let done = if first {
        "added the auth module to"
    } else {
        "updated"
    };
    let mut out = format!(
        "{} `{root}` ({}):\n{}",
        style(done).for_stdout().green().bold(),
        describe(&plan.options),
        summary(plan)
    );
    if plan.rendered_base {
        out.push_str(
            "\n(no `.authgate/` here: your edits were found by comparing with a fresh rendering \
             of the recorded answers; `.authgate/` now holds the copies for next time)\n",
        );
    }
    let required = required.join(", ");
    let _ = writeln!(out, "\n{}", style("next:").for_stdout().bold());
    if !plan.conflicts().is_empty() {
        out.push_str(
            "  resolve the conflicts in the files marked `conflict` or `restored` (search for \
             <<<<<<<), then\n",
        );
    }
    if first {
        // The module was just added to a package of the user's: show how to use it.
        out.push_str(&format!(
            "  wire the module into your server (a handler that takes `{}::AuthUser` answers \
                 401 without a valid token):\n",
            plan.module
        ));
        let named = |line: &str| line.replace("{module}", &plan.module);
        let wiring = WIRING
            .iter()
            .map(|(place, lines)| (named(place), lines.iter().map(|line| named(line)).collect()));
        for (place, lines) in declaration(layout, &plan.module).into_iter().chain(wiring) {
            let _ = writeln!(out, "  {place}:");
            for line in lines {
                let _ = writeln!(out, "    {line}");
            }
        }
        let _ = writeln!(
            out,
            "  to take `{module}::AuthUser` in handlers of a state of your own, implement \
             `FromRef<YourState> for Arc<{module}::Verifier>`\n  set {required} in the \
             environment (`authgate providers` lists every variable), then `cargo run`",
            module = plan.module,
        );
        return out;
    }
    out.push_str("  cargo test\n");
    if plan
        .changes
        .iter()
        .any(|change| change.path == Path::new(".env.example"))
    {
        let _ = writeln!(
            out,
            "  compare .env with .env.example    # {} reads {required}",
            plan.options.provider,
        );
    } else if plan.scope == Scope::AuthModule
        && plan
            .changes
            .iter()
            .any(|change| change.path == Path::new(render::ANSWERS_FILE))
    {
        let _ = writeln!(
            out,
            "  check your environment    # {} reads {required}",
            plan.options.provider,
        );
    }
    out
}

/// What `authgate add resource` did: the files, the new routes, and what to do next.
pub(crate) fn resource_added(plan: &Plan, resource: &Resource) -> String {
    let mut out = format!(
        "{} the resource `{}` to `{}`:\n{}\n{}",
        style("added").for_stdout().green().bold(),
        resource.name,
        display_dir(&plan.root),
        summary(plan),
        routes(resource, plan.options.user_in_path)
    );
    let _ = writeln!(out, "\n{}", style("next:").for_stdout().bold());
    if !plan.conflicts().is_empty() {
        out.push_str(
            "  resolve the conflicts in the files marked `conflict` or `restored` (search for \
             <<<<<<<), then\n",
        );
    }
    out.push_str("  cargo test\n");
    out
}

/// What `authgate add resource --dry-run` would do: the files, the new routes, the diffs.
pub(crate) fn resource_dry_run(plan: &Plan, resource: &Resource) -> String {
    format!(
        "{} the resource `{}` to `{}`:\n{}\n{}\n{}nothing written (--dry-run)\n",
        style("would add").for_stdout().bold(),
        resource.name,
        display_dir(&plan.root),
        summary(plan),
        routes(resource, plan.options.user_in_path),
        diff(plan)
    )
}

/// The routes of `resource`, with their methods.
fn routes(resource: &Resource, user_in_path: bool) -> String {
    let rows = [
        ("GET, POST", resource.collection_route(user_in_path)),
        ("GET, PUT, PATCH, DELETE", resource.item_route(user_in_path)),
    ];
    let width = rows.iter().map(|(methods, _)| methods.len()).max();
    let width = width.unwrap_or_default();
    let mut out = format!("{}\n", style("routes:").for_stdout().bold());
    for (methods, path) in rows {
        let _ = writeln!(out, "  {methods:<width$}  {path}");
    }
    out
}

/// One line per changed, kept or left-alone file of `plan`:
/// `  updated   src/auth/settings.rs`, `  merged    src/routes.rs (with your edits)`.
fn summary(plan: &Plan) -> String {
    let mut out = String::new();
    for change in &plan.changes {
        let label = format!("{:<9}", label_of(change.kind));
        let label = match change.kind {
            ChangeKind::Conflicted | ChangeKind::Restored => {
                style(label).for_stdout().red().bold().to_string()
            }
            ChangeKind::Merged => style(label).for_stdout().yellow().to_string(),
            _ => style(label).for_stdout().green().to_string(),
        };
        let detail = match (change.kind, &change.note) {
            (_, Some(note)) if !note.is_empty() => format!(" ({note})"),
            (ChangeKind::Merged, _) => " (with your edits)".to_owned(),
            (ChangeKind::Conflicted, _) => " (your edits and authgate's overlap)".to_owned(),
            (ChangeKind::Restored, _) => {
                " (you had deleted it; authgate changed it since)".to_owned()
            }
            _ => String::new(),
        };
        let _ = writeln!(out, "  {label} {}{detail}", change.path.display());
    }
    for path in &plan.kept {
        let _ = writeln!(
            out,
            "  {:<9} {} (authgate no longer generates it, and you edited it: remove it when you \
             no longer need it)",
            "kept",
            path.display()
        );
    }
    for path in &plan.handed_over {
        let _ = writeln!(
            out,
            "  {:<9} {} (authgate no longer updates it; it stays as it is)",
            "yours",
            path.display()
        );
    }
    for entry in &plan.left_alone {
        let _ = writeln!(out, "  {:<9} Cargo.toml: {entry}", "left");
    }
    out
}

/// The word that starts a file's line in the summary.
fn label_of(kind: ChangeKind) -> &'static str {
    match kind {
        ChangeKind::Created => "created",
        ChangeKind::Updated => "updated",
        ChangeKind::Merged => "merged",
        ChangeKind::Conflicted => "conflict",
        ChangeKind::Restored => "restored",
        ChangeKind::Removed => "removed",
    }
}

/// A unified diff of every change `plan` makes to the user's files (`a/path`, `b/path`, or
/// `/dev/null` for a side that does not exist).
fn diff(plan: &Plan) -> String {
    let mut out = String::new();
    for change in &plan.changes {
        let before = change.before.as_deref().unwrap_or("");
        let after = change.after.as_deref().unwrap_or("");
        let path = change.path.display();
        let old = match change.before {
            Some(_) => format!("a/{path}"),
            None => "/dev/null".to_owned(),
        };
        let new = match change.after {
            Some(_) => format!("b/{path}"),
            None => "/dev/null".to_owned(),
        };
        let text = similar::TextDiff::from_lines(before, after)
            .unified_diff()
            .context_radius(3)
            .header(&old, &new)
            .to_string();
        out.push_str(&text);
    }
    out
}

/// The command that runs `authgate auth` again on `root`, for the messages that suggest it.
pub(crate) fn auth_again(root: &Path) -> String {
    match shell_quote(&root.display().to_string()).as_str() {
        "." | "./" => "authgate auth".to_owned(),
        shown => format!("authgate auth {shown}"),
    }
}

/// `authgate providers`: every provider with its algorithms (default marked), usual user claim
/// and the environment variables its project reads.
pub(crate) fn providers(listings: &[Listing]) -> String {
    let mut out = String::new();
    for listing in listings {
        let algorithms: Vec<String> = listing
            .algorithms
            .iter()
            .map(|listed| match listed.default {
                true => format!("{} (default)", listed.algorithm),
                false => listed.algorithm.to_string(),
            })
            .collect();
        let _ = writeln!(out, "{}: {}", listing.provider, listing.description);
        let _ = writeln!(out, "  algorithms:  {}", algorithms.join(", "));
        let _ = writeln!(out, "  user claim:  {}", listing.user_claim);
        let _ = writeln!(out, "  environment:");
        let width = listing
            .env_vars
            .iter()
            .map(|listed| listed.var.name.len())
            .max()
            .unwrap_or_default();
        for listed in &listing.env_vars {
            let var = listed.var;
            let need = if var.required { "required" } else { "optional" };
            let only = match &listed.only_with {
                Some(algorithms) => format!(" (with {algorithms} only)"),
                None => String::new(),
            };
            let _ = writeln!(
                out,
                "    {:<width$}  {need}  {}{only}",
                var.name, var.meaning
            );
        }
        out.push('\n');
    }
    out
}

/// `auth0, RS256, user claim `sub``
pub(crate) fn describe(options: &Options) -> String {
    let algorithms: Vec<&str> = options.algorithms.iter().map(|a| a.as_str()).collect();
    format!(
        "{}, {}, user claim `{}`",
        options.provider,
        algorithms.join(", "),
        options.user_claim
    )
}

/// `my-api/` as typed, with one trailing slash.
pub(crate) fn display_dir(path: &Path) -> String {
    let shown = path.display().to_string();
    if shown.ends_with('/') {
        shown
    } else {
        format!("{shown}/")
    }
}

/// Quotes a word for a POSIX shell when it needs it.
pub(crate) fn shell_quote(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./+=:@%,".contains(c));
    if plain {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A layout of a package with no library and its server in `server`.
    fn server_only(server: &str) -> Layout {
        Layout {
            library: None,
            server: Some(PathBuf::from(server)),
        }
    }

    #[test]
    fn the_module_is_declared_in_the_server_s_file_with_a_path_to_src() {
        let declared = |server: &str| declaration(&server_only(server), "auth");
        let plain = |heading: &str| vec![(heading.to_owned(), vec!["mod auth;".to_owned()])];
        let with_path = |heading: &str, path: &str| {
            vec![(
                heading.to_owned(),
                vec![format!("#[path = \"{path}\"]"), "mod auth;".to_owned()],
            )]
        };
        assert_eq!(declared("src/main.rs"), plain("at the top of src/main.rs"));
        assert_eq!(
            declared("src/server.rs"),
            plain("at the top of src/server.rs")
        );
        assert_eq!(
            declared("src/bin/api.rs"),
            with_path("at the top of src/bin/api.rs", "../auth/mod.rs")
        );
        assert_eq!(
            declared("src/bin/api/main.rs"),
            with_path("at the top of src/bin/api/main.rs", "../../auth/mod.rs")
        );
        assert_eq!(
            declared("server/main.rs"),
            with_path("at the top of server/main.rs", "../src/auth/mod.rs")
        );
        assert_eq!(
            declaration(&server_only("src/bin/api.rs"), "identity")[0].1[0],
            "#[path = \"../identity/mod.rs\"]"
        );
        let unknown = declaration(&Layout::default(), "auth");
        let [(heading, lines)] = unknown.as_slice() else {
            panic!("{unknown:?}")
        };
        assert!(heading.contains("your server's `main`"), "{heading}");
        assert_eq!(lines, &["mod auth;"]);
    }

    #[test]
    fn a_library_declares_the_module_and_the_server_uses_it() {
        let library = |path: &str| Some((PathBuf::from(path), "my_api".to_owned()));
        let section = |heading: &str, lines: &[&str]| {
            (
                heading.to_owned(),
                lines.iter().map(|line| (*line).to_owned()).collect(),
            )
        };
        let layout = Layout {
            library: library("src/lib.rs"),
            server: Some(PathBuf::from("src/main.rs")),
        };
        assert_eq!(
            declaration(&layout, "identity"),
            [
                section("at the top of src/lib.rs", &["pub mod identity;"]),
                section("at the top of src/main.rs", &["use my_api::identity;"]),
            ]
        );
        // No `#[path]` for a server outside `src/`: it reaches the module through the library.
        let layout = Layout {
            library: library("src/lib.rs"),
            server: Some(PathBuf::from("src/bin/api.rs")),
        };
        assert_eq!(
            declaration(&layout, "auth")[1],
            section("at the top of src/bin/api.rs", &["use my_api::auth;"])
        );
        // A library without a server in this package: its users' servers take it.
        let layout = Layout {
            library: library("lib/root.rs"),
            server: None,
        };
        assert_eq!(
            declaration(&layout, "auth"),
            [
                section(
                    "at the top of lib/root.rs",
                    &["#[path = \"../src/auth/mod.rs\"]", "pub mod auth;"]
                ),
                section(
                    "in the file with your server's `main`",
                    &["use my_api::auth;"]
                ),
            ]
        );
    }

    #[test]
    fn shell_quoting() {
        assert_eq!(shell_quote("my-api"), "my-api");
        assert_eq!(shell_quote("../a/b"), "../a/b");
        assert_eq!(shell_quote("My API"), "'My API'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
