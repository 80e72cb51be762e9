//! The interactive wizard: asks for every answer not given on the command line or in `--config`,
//! shows all of them with the equivalent command line, and asks for a confirmation.
//!
//! Prompts are drawn on stderr and read from the terminal, so they are used only when stdin and
//! stderr are terminals ([`is_interactive`]); otherwise a missing answer is an error, never a hang.
//!
//! Leaving: Esc (or `q` in a list) or Ctrl-C at any prompt, or "no" at the confirmation, gives
//! [`Cancelled`] (exit status 130) with the cursor visible again. Nothing has been written then:
//! writing starts only after the confirmation.
//!
//! Ctrl-C needs care. While a prompt waits for a key the terminal is in raw mode, so Ctrl-C arrives
//! as a byte, not as a signal. The text prompts here read it as a key. dialoguer's lists let
//! `console` raise SIGINT as well, which by default kills the process with the cursor still
//! hidden. And `console` leaves raw mode between two keys, so a Ctrl-C typed in between (or
//! before a prompt's first read) is a SIGINT from the terminal, which no read sees. So
//! [`Wizard::new`] installs a SIGINT handler, and whichever comes first cancels: the prompt that
//! read the key, or the handler, which shows the cursor and exits with status 130. The other
//! leaves it alone ([`CANCELLING`]), so that the message is printed once.

use std::fmt::Write as _;
use std::io::{self, IsTerminal, Write as _};
use std::path::Path;
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result};
use console::{Key, Term, measure_text_width, style};
use dialoguer::theme::{ColorfulTheme, Theme};
use dialoguer::{Confirm, MultiSelect, Select};

use crate::error::{Cancelled, EXIT_CANCELLED, IoFailure, UsageError};
use crate::options::{
    Answers, NameSource, Storage, defaults, suggest_crate_name, validate_name, validate_resource,
    validate_user_claim,
};
use crate::provider::{Algorithm, Provider};
use crate::report::{display_dir, shell_quote};
use crate::resource::{self, Field, FieldType, Problem, Resource, ResourceSpec};

/// Whether prompts can be shown: stdin and stderr are both terminals.
pub fn is_interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Set by whichever cancels first, a prompt or the SIGINT handler; see the module documentation.
static CANCELLING: AtomicBool = AtomicBool::new(false);

/// Asks the questions, on stderr.
pub struct Wizard {
    term: Term,
    theme: ColorfulTheme,
}

/// Why a typed answer is refused, and the answer to offer instead (ENTER takes it).
struct Refusal {
    message: String,
    fix: Option<String>,
}

impl From<UsageError> for Refusal {
    fn from(error: UsageError) -> Self {
        Refusal {
            message: error.to_string(),
            fix: None,
        }
    }
}

impl From<Problem> for Refusal {
    fn from(problem: Problem) -> Self {
        Refusal {
            message: problem.message,
            fix: problem.fix,
        }
    }
}

impl Default for Wizard {
    fn default() -> Self {
        Wizard::new()
    }
}

impl Wizard {
    pub fn new() -> Wizard {
        install_interrupt_handler();
        Wizard {
            term: Term::stderr(),
            theme: ColorfulTheme::default(),
        }
    }

    /// Asks for every answer still missing, in the documented order. `directory` (the last
    /// component of the target path) is the name's default. Each prompt starts on the default,
    /// so pressing ENTER throughout gives what `--yes` gives.
    pub fn ask_missing(&self, mut answers: Answers, directory: &str) -> Result<Answers> {
        if answers.name.is_none() {
            answers.name = Some(self.ask_name(directory)?);
        }
        let provider = match answers.provider {
            Some(provider) => provider,
            None => *answers.provider.insert(self.ask_provider()?),
        };
        if answers.algorithms.is_none() {
            let algorithms = self.ask_algorithms(provider)?;
            answers.algorithms = Some(algorithms.iter().map(|a| a.to_string()).collect());
        }
        if answers.user_claim.is_none() {
            answers.user_claim = Some(self.ask_user_claim(provider)?);
        }
        if answers.storage.is_none() {
            answers.storage = Some(self.ask_storage()?);
        }
        if answers.resource.is_none() && answers.resources.is_none() {
            let name = self.ask_resource()?;
            if answers.fields.is_none() {
                let fields = self.ask_fields(&name, None, |fields| {
                    let spec = ResourceSpec {
                        name: name.clone(),
                        parent: None,
                        fields: fields.to_vec(),
                        migration: None,
                    };
                    resource::validate(&[spec]).map(drop)
                })?;
                answers.fields = (!fields.is_empty()).then_some(fields);
            }
            answers.resource = Some(name);
        }
        if answers.user_in_path.is_none() {
            let resource = answers.resource.as_deref().unwrap_or(defaults::RESOURCE);
            answers.user_in_path = Some(self.ask_route_style(resource)?);
        }
        Ok(answers)
    }

    /// Prints every answer and the command line that gives the same project without questions.
    /// `answers` must be complete (see [`Wizard::ask_missing`]).
    pub fn show_summary(&self, path: &Path, directory: &str, answers: &Answers) -> Result<()> {
        let text = summary(path, directory, answers);
        self.term.write_str(&text).context(IoFailure::TerminalWrite)
    }

    /// Prints the auth module's answers and the `authgate auth` command line that gives the
    /// same module without questions. `answers` must hold the provider, algorithms and claim.
    pub fn show_auth_summary(&self, path: &Path, answers: &Answers) -> Result<()> {
        let text = auth_summary(path, answers);
        self.term.write_str(&text).context(IoFailure::TerminalWrite)
    }

    /// Prints the resource `authgate add resource` adds to the project at `path` (`spec`: as
    /// answered, `resource`: validated) and its command line without questions.
    pub fn show_add_summary(
        &self,
        path: &Path,
        spec: &ResourceSpec,
        resource: &Resource,
        user_in_path: bool,
    ) -> Result<()> {
        let text = add_summary(path, spec, resource, user_in_path);
        self.term.write_str(&text).context(IoFailure::TerminalWrite)
    }

    /// Asks whether to add the resource `name` to the project at `path`; anything but yes is
    /// [`Cancelled`].
    pub fn confirm_add(&self, path: &Path, name: &str) -> Result<()> {
        self.confirm_with(format!(
            "Add the resource `{name}` to `{}`?",
            display_dir(path)
        ))
    }

    /// Asks for the fields of the resource `resource` (`parent`: the resource it nests under),
    /// one at a time: its name (empty ends the list; `done` is a field name like any), type,
    /// whether it is optional, and its default. Each part is checked as `--field` is, and each field with those before
    /// it by `check` (the whole model); a field it refuses is asked again. Returns the specs,
    /// none for the default fields.
    pub fn ask_fields(
        &self,
        resource: &str,
        parent: Option<&str>,
        check: impl Fn(&[String]) -> Result<(), UsageError>,
    ) -> Result<Vec<String>> {
        let resource = validate_resource(resource).unwrap_or_else(|_| resource.to_owned());
        let parent_key = parent.map(resource::parent_key);
        let mut fields: Vec<Field> = Vec::new();
        let mut specs: Vec<String> = Vec::new();
        while fields.len() < resource::MAX_FIELDS {
            let prompt = format!(
                "Field {} of `{resource}` (enter to finish)",
                fields.len() + 1
            );
            let name = self.text_as(&prompt, String::new(), |name| {
                if name.is_empty() {
                    return Ok((None, "done".to_owned()));
                }
                resource::check_field_name(name)?;
                resource::check_field_in(&resource, parent_key.as_deref(), &fields, name)?;
                Ok((Some(name.to_owned()), name.to_owned()))
            })?;
            let Some(name) = name else { break };
            let ty = self.ask_field_type(&name)?;
            let optional = self.read(|| {
                Confirm::with_theme(&self.theme)
                    .with_prompt(format!("May `{name}` be null (optional)?"))
                    .default(false)
                    .interact_on_opt(&self.term)
            })?;
            let default = self.text_as(
                &format!("Default of `{name}` (enter for none)"),
                String::new(),
                |value| match value {
                    "" => Ok((None, "none".to_owned())),
                    value => {
                        let canonical = resource::canonical_default(&name, &ty, value)?;
                        Ok((Some(canonical.clone()), canonical))
                    }
                },
            )?;
            let field = Field {
                name,
                ty,
                optional,
                default,
            };
            let spec = field.to_string();
            let mut candidate = specs.clone();
            candidate.push(spec.clone());
            match check(&candidate) {
                Ok(()) => {
                    self.report("Field", &spec)?;
                    fields.push(field);
                    specs = candidate;
                }
                Err(error) => {
                    self.error_line(&error.to_string())?;
                }
            }
        }
        if specs.is_empty() {
            let defaults = resource::DEFAULT_FIELDS.join(", ");
            self.report("Fields", &format!("{defaults} (the defaults)"))?;
        }
        Ok(specs)
    }

    /// The type of the field `name`, from the list of types; a maximum or the values are asked
    /// for `string(N)` and `enum`.
    fn ask_field_type(&self, name: &str) -> Result<FieldType> {
        let width = resource::TYPE_CHOICES.iter().map(|(ty, _)| ty.len()).max();
        let width = width.unwrap_or_default();
        let items: Vec<String> = resource::TYPE_CHOICES
            .iter()
            .map(|(ty, meaning)| format!("{ty:<width$}  {meaning}"))
            .collect();
        let prompt = format!("Type of `{name}`");
        let chosen = resource::TYPE_CHOICES[self.select(&prompt, &items, 0)?].0;
        let parse = |text: String| {
            resource::parse_type(&text)
                .map(|ty| (ty, text))
                .map_err(Refusal::from)
        };
        let ty = match chosen {
            "string(N)" => self.text_as(
                &format!(
                    "Most characters in `{name}` (1 to {})",
                    resource::MAX_STRING_MAX
                ),
                resource::DEFAULT_STRING_MAX.to_string(),
                |max| parse(format!("string({max})")),
            )?,
            "enum(a|b|c)" => self.text_as(
                &format!("Values of `{name}`, separated by `|`"),
                String::new(),
                |values| parse(format!("enum({values})")),
            )?,
            simple => {
                let (ty, text) = parse(simple.to_owned()).map_err(|refusal| {
                    anyhow::anyhow!(
                        "the type `{simple}` is listed but refused: {}",
                        refusal.message
                    )
                })?;
                self.report(&prompt, &text)?;
                ty
            }
        };
        Ok(ty)
    }

    /// Asks whether to go ahead; anything but yes is [`Cancelled`].
    pub fn confirm(&self, path: &Path) -> Result<()> {
        self.confirm_with(format!("Create `{}`?", display_dir(path)))
    }

    /// Asks whether to add the auth module to the package at `path`; anything but yes is
    /// [`Cancelled`].
    pub fn confirm_auth(&self, path: &Path) -> Result<()> {
        self.confirm_with(format!("Add the auth module to `{}`?", display_dir(path)))
    }

    /// Asks `prompt` (a yes/no question, yes by default); anything but yes is [`Cancelled`].
    pub fn confirm_with(&self, prompt: String) -> Result<()> {
        let yes = self.read(|| {
            Confirm::with_theme(&self.theme)
                .with_prompt(prompt)
                .default(true)
                .interact_on_opt(&self.term)
        })?;
        if yes { Ok(()) } else { Err(Cancelled.into()) }
    }

    fn ask_name(&self, directory: &str) -> Result<String> {
        let default = match validate_name(directory, NameSource::Directory) {
            Ok(name) => name,
            Err(_) => suggest_crate_name(directory).unwrap_or_else(|| "my-api".to_owned()),
        };
        self.text("Project name", default, |name| {
            validate_name(name, NameSource::Flag).map_err(|_| {
                let fix = suggest_crate_name(name);
                let hint = match &fix {
                    Some(fix) => format!("; press enter for `{fix}`, or type another name"),
                    None => "; type a name such as `my-api`".to_owned(),
                };
                let error = UsageError::InvalidName {
                    source_desc: "the name",
                    name: name.to_owned(),
                    hint,
                };
                Refusal {
                    message: error.to_string(),
                    fix,
                }
            })
        })
    }

    fn ask_provider(&self) -> Result<Provider> {
        let width = Provider::ALL.map(|p| p.as_str().len()).into_iter().max();
        let width = width.unwrap_or_default();
        let items: Vec<String> = Provider::ALL
            .iter()
            .map(|p| format!("{:<width$}  {}", p.as_str(), p.spec().summary))
            .collect();
        let default = position(&Provider::ALL, &defaults::PROVIDER);
        let chosen = self.select("Identity provider", &items, default)?;
        let provider = Provider::ALL[chosen];
        self.report("Identity provider", provider.as_str())?;
        Ok(provider)
    }

    /// The algorithms `provider` signs with and the generated project can verify; a multi-select
    /// pre-set to the provider's default, asked again until the choice is one the provider issues.
    fn ask_algorithms(&self, provider: Provider) -> Result<Vec<Algorithm>> {
        const PROMPT: &str = "Signing algorithms (space toggles, enter accepts)";
        let choices: Vec<Algorithm> = provider
            .algorithms()
            .iter()
            .copied()
            .filter(|alg| provider.check_algorithms(&[*alg]).is_ok())
            .collect();
        let default = provider.default_algorithm();
        if let [only] = choices[..] {
            let note = format!("{only} (the only one {provider} signs with)");
            self.report("Signing algorithm", &note)?;
            return Ok(vec![only]);
        }
        let items: Vec<&str> = choices.iter().map(|alg| alg.as_str()).collect();
        let checked: Vec<bool> = choices.iter().map(|alg| *alg == default).collect();
        loop {
            let picked = self.read(|| {
                MultiSelect::with_theme(&self.theme)
                    .with_prompt(PROMPT)
                    .report(false)
                    .items(&items)
                    .defaults(&checked)
                    .interact_on_opt(&self.term)
            })?;
            let algorithms: Vec<Algorithm> = picked.into_iter().map(|i| choices[i]).collect();
            let problem = if algorithms.is_empty() {
                "choose at least one algorithm: space toggles, enter accepts".to_owned()
            } else {
                match provider.check_algorithms(&algorithms) {
                    Ok(()) => {
                        let names: Vec<&str> = algorithms.iter().map(|a| a.as_str()).collect();
                        self.report("Signing algorithms", &names.join(", "))?;
                        return Ok(algorithms);
                    }
                    Err(error) => error.to_string(),
                }
            };
            self.error_line(&problem)?;
        }
    }

    fn ask_user_claim(&self, provider: Provider) -> Result<String> {
        self.text(
            "Claim that holds the user id",
            usual_claim(provider).to_owned(),
            |claim| Ok(validate_user_claim(claim)?),
        )
    }

    fn ask_storage(&self) -> Result<Storage> {
        let items: Vec<String> = Storage::ALL
            .iter()
            .map(|&s| format!("{:<8}  {}", s.as_str(), storage_description(s)))
            .collect();
        let default = position(&Storage::ALL, &defaults::STORAGE);
        let chosen = self.select("Storage", &items, default)?;
        let storage = Storage::ALL[chosen];
        self.report("Storage", storage.as_str())?;
        Ok(storage)
    }

    fn ask_resource(&self) -> Result<String> {
        self.text(
            "Owned resource (a plural noun)",
            defaults::RESOURCE.to_owned(),
            |resource| Ok(validate_resource(resource)?),
        )
    }

    /// `true` puts the user id in the path.
    fn ask_route_style(&self, resource: &str) -> Result<bool> {
        let resource = validate_resource(resource).unwrap_or_else(|_| resource.to_owned());
        let styles = [true, false];
        let routes = styles.map(|in_path| route(&resource, in_path));
        let width = routes.iter().map(String::len).max().unwrap_or_default();
        let items: Vec<String> = styles
            .iter()
            .zip(&routes)
            .map(|(&in_path, route)| {
                let meaning = if in_path {
                    "the user id in the path; another user's id is 403"
                } else {
                    "the user from the token only"
                };
                format!("{route:<width$}  {meaning}")
            })
            .collect();
        let default = position(&styles, &defaults::USER_IN_PATH);
        let chosen = self.select("Routes", &items, default)?;
        self.report("Routes", &routes[chosen])?;
        Ok(styles[chosen])
    }

    fn select(&self, prompt: &str, items: &[String], default: usize) -> Result<usize> {
        self.read(|| {
            Select::with_theme(&self.theme)
                .with_prompt(prompt)
                .report(false)
                .items(items)
                .default(default)
                .interact_on_opt(&self.term)
        })
    }

    /// Runs one dialoguer prompt: `None` (Esc or `q`) and Ctrl-C are [`Cancelled`].
    fn read<T>(&self, prompt: impl FnOnce() -> dialoguer::Result<Option<T>>) -> Result<T> {
        match prompt() {
            Ok(Some(answer)) => Ok(answer),
            Ok(None) => Err(self.cancelled()),
            // Ctrl-C, which `console` also raised as SIGINT: the handler may cancel first.
            Err(dialoguer::Error::IO(e)) if e.kind() == io::ErrorKind::Interrupted => {
                Err(self.cancelled())
            }
            Err(dialoguer::Error::IO(e)) => {
                let _ = self.term.show_cursor();
                Err(e).context(IoFailure::TerminalRead)
            }
        }
    }

    /// [`Cancelled`], with the cursor shown; unless the SIGINT handler is cancelling already,
    /// in which case this thread waits for it to end the process.
    fn cancelled(&self) -> anyhow::Error {
        if CANCELLING.swap(true, Ordering::SeqCst) {
            loop {
                std::thread::park();
            }
        }
        let _ = self.term.show_cursor();
        Cancelled.into()
    }

    /// [`Wizard::cancelled`] at a text prompt: its line is ended first.
    fn cancelled_mid_line(&self) -> anyhow::Error {
        let error = self.cancelled();
        let _ = self.term.write_line("");
        error
    }

    /// A line of text with a default, checked by `check` (which returns the answer to keep, or
    /// why it is refused and what to offer instead). Esc and Ctrl-C cancel, as in the lists;
    /// dialoguer's own text input ignores Esc, hence this one.
    fn text(
        &self,
        prompt: &str,
        default: String,
        check: impl Fn(&str) -> Result<String, Refusal>,
    ) -> Result<String> {
        self.text_as(prompt, default, |value| {
            check(value).map(|answer| (answer.clone(), answer))
        })
    }

    /// [`Wizard::text`] for an answer of any type: `check` returns it with the text that
    /// reports it. An empty `default` is not shown.
    fn text_as<T>(
        &self,
        prompt: &str,
        mut default: String,
        check: impl Fn(&str) -> Result<(T, String), Refusal>,
    ) -> Result<T> {
        let mut error_rows = 0;
        loop {
            let mut line = String::new();
            let shown = Some(default.as_str()).filter(|default| !default.is_empty());
            let _ = self.theme.format_input_prompt(&mut line, prompt, shown);
            self.term.write_str(&line)?;
            self.term.flush()?;
            let typed = self.read_line()?;
            let value = if typed.is_empty() {
                default.clone()
            } else {
                typed
            };
            self.term.clear_line()?;
            self.term.clear_last_lines(error_rows)?;
            match check(&value) {
                Ok((answer, shown)) => {
                    self.report(prompt, &shown)?;
                    return Ok(answer);
                }
                Err(refusal) => {
                    error_rows = self.error_line(&refusal.message)?;
                    if let Some(fix) = refusal.fix {
                        default = fix;
                    }
                }
            }
        }
    }

    /// Reads keys up to ENTER, echoing them; Esc and Ctrl-C are [`Cancelled`].
    fn read_line(&self) -> Result<String> {
        let mut chars: Vec<char> = Vec::new();
        loop {
            match self.term.read_key_raw() {
                Ok(Key::Enter) => break,
                Ok(Key::Escape | Key::CtrlC) => return Err(self.cancelled_mid_line()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                    return Err(self.cancelled_mid_line());
                }
                Ok(Key::Backspace) => {
                    if let Some(c) = chars.pop() {
                        self.term
                            .clear_chars(measure_text_width(c.encode_utf8(&mut [0; 4])))?;
                    }
                }
                Ok(Key::Char(c)) if !c.is_control() => {
                    chars.push(c);
                    self.term.write_str(c.encode_utf8(&mut [0; 4]))?;
                }
                Ok(_) => {}
                Err(e) => return Err(e).context(IoFailure::TerminalRead),
            }
            self.term.flush()?;
        }
        Ok(chars.into_iter().collect())
    }

    /// The answered prompt, as dialoguer leaves it: `✔ Storage · sqlite`.
    fn report(&self, prompt: &str, answer: &str) -> Result<()> {
        let mut line = String::new();
        let _ = self
            .theme
            .format_input_prompt_selection(&mut line, prompt, answer);
        Ok(self.term.write_line(&line)?)
    }

    /// Prints `✘ message`; returns how many terminal rows it takes.
    fn error_line(&self, message: &str) -> Result<usize> {
        let mut line = String::new();
        let _ = self.theme.format_error(&mut line, message);
        self.term.write_line(&line)?;
        let columns = usize::from(self.term.size().1).max(1);
        Ok(measure_text_width(&line).div_ceil(columns).max(1))
    }
}

/// Installs the SIGINT handler once per process; see the module documentation.
fn install_interrupt_handler() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // Failing to install it (another handler exists) only loses the cursor restoration.
        let _ = ctrlc::set_handler(|| {
            if CANCELLING.swap(true, Ordering::SeqCst) {
                // A prompt read the key and is cancelling.
                return;
            }
            let _ = Term::stderr().show_cursor();
            let _ = writeln!(io::stderr(), "\n{Cancelled}");
            std::process::exit(i32::from(EXIT_CANCELLED));
        });
    });
}

fn position<T: PartialEq>(all: &[T], value: &T) -> usize {
    all.iter().position(|v| v == value).unwrap_or_default()
}

/// The claim that usually holds the user id in the provider's tokens (the provider table's).
fn usual_claim(provider: Provider) -> &'static str {
    provider.spec().user_claim
}

fn storage_description(storage: Storage) -> &'static str {
    match storage {
        Storage::Sqlite => "an embedded SQLite file; nothing else to run",
        Storage::Postgres => "a PostgreSQL server, for several API replicas",
        Storage::Memory => "in memory, for prototypes; lost on restart",
    }
}

/// `/api/{user_id}/tasks` or `/api/tasks`.
fn route(resource: &str, user_in_path: bool) -> String {
    if user_in_path {
        format!("/api/{{user_id}}/{resource}")
    } else {
        format!("/api/{resource}")
    }
}

/// Every answer, then the command line that gives the same project without a question.
/// `answers` must be complete.
fn summary(path: &Path, directory: &str, answers: &Answers) -> String {
    let name = answers.name.as_deref().unwrap_or(directory);
    let name = validate_name(name, NameSource::Flag).unwrap_or_else(|_| name.to_owned());
    let algorithms = answers.algorithms.as_deref().unwrap_or_default().join(", ");
    let resource = answers.resource.as_deref().unwrap_or_default();
    let resource = validate_resource(resource).unwrap_or_else(|_| resource.to_owned());
    let rows = [
        ("directory", format!("`{}`", display_dir(path))),
        ("name", name),
        ("provider", display(answers.provider)),
        ("algorithms", algorithms),
        ("user-id claim", display(answers.user_claim.as_deref())),
        ("storage", display(answers.storage)),
        ("resource", resource.clone()),
        (
            "fields",
            fields_row(answers.fields.as_deref().unwrap_or_default()),
        ),
        (
            "routes",
            route(&resource, answers.user_in_path.unwrap_or_default()),
        ),
    ];
    answers_and_command(&rows, &equivalent_command(path, directory, answers))
}

/// The rows of a summary, then `command`, which gives the same without a question.
fn answers_and_command(rows: &[(&str, String)], command: &str) -> String {
    let width = rows.iter().map(|(label, _)| label.len()).max();
    let width = width.unwrap_or_default();
    let mut out = String::from("\n");
    for (label, value) in rows {
        let value = style(value).for_stderr().cyan();
        let _ = writeln!(out, "  {label:<width$}  {value}");
    }
    let _ = writeln!(
        out,
        "\nthe same without questions:\n  {}\n",
        style(command).for_stderr().bold()
    );
    out
}

/// The fields as given, or the default ones when none is.
fn fields_row(specs: &[String]) -> String {
    if specs.is_empty() {
        format!("{} (the defaults)", resource::DEFAULT_FIELDS.join(", "))
    } else {
        specs.join(", ")
    }
}

/// The resource `authgate add resource` adds, then its command line without questions.
fn add_summary(
    path: &Path,
    spec: &ResourceSpec,
    resource: &Resource,
    user_in_path: bool,
) -> String {
    let mut rows = vec![
        ("directory", format!("`{}`", display_dir(path))),
        ("resource", resource.name.clone()),
    ];
    if let Some(parent) = &resource.parent {
        rows.push(("parent", parent.clone()));
    }
    rows.push(("fields", fields_row(&spec.fields)));
    rows.push(("routes", resource.collection_route(user_in_path)));
    rows.push(("", resource.item_route(user_in_path)));
    answers_and_command(&rows, &add_equivalent_command(path, spec))
}

/// `authgate add resource NAME [PATH] [--parent P] [--field SPEC]...`: the resource as flags,
/// so that it needs no terminal. PATH only when it is not `.`.
pub fn add_equivalent_command(path: &Path, spec: &ResourceSpec) -> String {
    let quote = shell_quote;
    let mut words = vec![
        "authgate".to_owned(),
        "add".to_owned(),
        "resource".to_owned(),
        quote(&spec.name),
    ];
    if path != Path::new(".") {
        words.push(quote(&path.display().to_string()));
    }
    if let Some(parent) = &spec.parent {
        words.extend(["--parent".to_owned(), quote(parent)]);
    }
    for field in &spec.fields {
        words.extend(["--field".to_owned(), quote(field)]);
    }
    words.join(" ")
}

/// The auth module's answers, then the `authgate auth` command line that gives them.
fn auth_summary(path: &Path, answers: &Answers) -> String {
    let algorithms = answers.algorithms.as_deref().unwrap_or_default().join(", ");
    let rows = [
        ("directory", format!("`{}`", display_dir(path))),
        ("provider", display(answers.provider)),
        ("algorithms", algorithms),
        ("user-id claim", display(answers.user_claim.as_deref())),
    ];
    let quote = shell_quote;
    let mut command = format!("authgate auth {}", quote(&path.display().to_string()));
    if let Some(provider) = answers.provider {
        let _ = write!(command, " --provider {provider}");
    }
    if let Some(algorithms) = &answers.algorithms {
        let _ = write!(command, " --alg {}", quote(&algorithms.join(",")));
    }
    if let Some(claim) = &answers.user_claim {
        let _ = write!(command, " --user-claim {}", quote(claim));
    }
    answers_and_command(&rows, &command)
}

fn display<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// `authgate new PATH --provider ... --user-in-path true`: every answer as a flag, so that it
/// needs neither a terminal nor `--yes`. `--name` only when it differs from the directory's.
pub fn equivalent_command(path: &Path, directory: &str, answers: &Answers) -> String {
    let quote = shell_quote;
    let mut words = vec![
        "authgate".to_owned(),
        "new".to_owned(),
        quote(&path.display().to_string()),
    ];
    let mut flag = |name: &str, value: String| {
        words.push(name.to_owned());
        words.push(quote(&value));
    };
    if let Some(name) = &answers.name
        && name != directory
    {
        flag("--name", name.clone());
    }
    if let Some(provider) = answers.provider {
        flag("--provider", provider.to_string());
    }
    if let Some(algorithms) = &answers.algorithms {
        flag("--alg", algorithms.join(","));
    }
    if let Some(claim) = &answers.user_claim {
        flag("--user-claim", claim.clone());
    }
    if let Some(storage) = answers.storage {
        flag("--storage", storage.to_string());
    }
    if let Some(resource) = &answers.resource {
        flag("--resource", resource.clone());
    }
    for field in answers.fields.iter().flatten() {
        flag("--field", field.clone());
    }
    if let Some(user_in_path) = answers.user_in_path {
        flag("--user-in-path", user_in_path.to_string());
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_provider_has_a_usual_claim_that_is_valid() {
        for provider in Provider::ALL {
            let claim = usual_claim(provider);
            assert!(validate_user_claim(claim).is_ok(), "{provider}: {claim}");
        }
        assert_eq!(usual_claim(Provider::Auth0), "sub");
    }

    #[test]
    fn the_equivalent_command_names_every_answer() {
        let answers = Answers {
            name: Some("my-api".into()),
            provider: Some(Provider::Auth0),
            algorithms: Some(vec!["RS256".into(), "PS256".into()]),
            user_claim: Some("https://example.com/uid".into()),
            storage: Some(Storage::Postgres),
            resource: Some("blog-posts".into()),
            fields: None,
            resources: None,
            user_in_path: Some(false),
        };
        assert_eq!(
            equivalent_command(Path::new("my-api"), "my-api", &answers),
            "authgate new my-api --provider auth0 --alg RS256,PS256 \
             --user-claim https://example.com/uid --storage postgres --resource blog-posts \
             --user-in-path false"
        );
        let answers = Answers {
            name: Some("my-api".into()),
            user_claim: Some("user id".into()),
            ..Answers::default()
        };
        assert_eq!(
            equivalent_command(Path::new("My API"), "My API", &answers),
            "authgate new 'My API' --name my-api --user-claim 'user id'"
        );
    }

    #[test]
    fn the_equivalent_command_parses_to_the_same_answers() {
        use clap::Parser;

        let answers = Answers {
            name: Some("api".into()),
            provider: Some(Provider::SharedSecret),
            algorithms: Some(vec!["HS256".into(), "HS512".into()]),
            user_claim: Some("user_id".into()),
            storage: Some(Storage::Memory),
            resource: Some("tasks".into()),
            fields: None,
            resources: None,
            user_in_path: Some(true),
        };
        let line = equivalent_command(Path::new("x/my-api"), "my-api", &answers);
        let cli = crate::cli::Cli::try_parse_from(line.split(' ')).unwrap();
        let crate::cli::Command::New(args) = cli.command else {
            panic!("expected `new`: {line}")
        };
        let parsed = args.answers;
        assert_eq!(parsed.name, answers.name);
        assert_eq!(parsed.provider, answers.provider);
        assert_eq!(Some(parsed.algorithms), answers.algorithms);
        assert_eq!(parsed.user_claim, answers.user_claim);
        assert_eq!(parsed.storage, answers.storage);
        assert_eq!(parsed.resource, answers.resource);
        assert_eq!(parsed.user_in_path, answers.user_in_path);
    }

    #[test]
    fn the_equivalent_commands_carry_the_fields_quoted_for_the_shell() {
        use clap::Parser;

        let fields = vec![
            "title:string".to_owned(),
            "due:date?".to_owned(),
            "priority:enum(low|normal|high)=normal".to_owned(),
            "note:string=it's".to_owned(),
        ];
        let answers = Answers {
            resource: Some("tasks".into()),
            fields: Some(fields.clone()),
            ..Answers::default()
        };
        assert_eq!(
            equivalent_command(Path::new("my-api"), "my-api", &answers),
            "authgate new my-api --resource tasks --field title:string --field 'due:date?' \
             --field 'priority:enum(low|normal|high)=normal' --field 'note:string=it'\\''s'"
        );
        let spec = ResourceSpec {
            name: "tasks".into(),
            parent: Some("projects".into()),
            fields: fields.clone(),
            migration: None,
        };
        assert_eq!(
            add_equivalent_command(Path::new("."), &spec),
            "authgate add resource tasks --parent projects --field title:string --field \
             'due:date?' --field 'priority:enum(low|normal|high)=normal' --field \
             'note:string=it'\\''s'"
        );
        // Parsed back (without the quotes a shell removes), the same resource.
        let line = add_equivalent_command(
            Path::new("my api"),
            &ResourceSpec {
                fields: fields[..1].to_vec(),
                ..spec
            },
        );
        assert_eq!(
            line,
            "authgate add resource tasks 'my api' --parent projects --field title:string"
        );
        let words = [
            "authgate",
            "add",
            "resource",
            "tasks",
            "my api",
            "--parent",
            "projects",
            "--field",
            "title:string",
        ];
        let cli = crate::cli::Cli::try_parse_from(words).unwrap();
        let crate::cli::Command::Add(crate::cli::AddCommand::Resource(args)) = cli.command else {
            panic!("expected `add resource`")
        };
        assert_eq!(args.path, Path::new("my api"));
        assert_eq!(args.parent.as_deref(), Some("projects"));
        assert_eq!(args.fields, ["title:string"]);
    }

    #[test]
    fn the_summary_lists_every_answer() {
        console::set_colors_enabled_stderr(false);
        let answers = Answers {
            name: Some("my-api".into()),
            ..Answers::default()
        }
        .or_defaults();
        let text = summary(Path::new("my-api"), "my-api", &answers);
        for expected in [
            "  directory      `my-api/`\n",
            "  name           my-api\n",
            "  provider       better-auth\n",
            "  algorithms     EdDSA\n",
            "  user-id claim  sub\n",
            "  storage        sqlite\n",
            "  resource       tasks\n",
            "  fields         title:string, description:string(2000)?, completed:bool=false (the \
             defaults)\n",
            "  routes         /api/{user_id}/tasks\n",
            "authgate new my-api --provider better-auth --alg EdDSA --user-claim sub \
             --storage sqlite --resource tasks --user-in-path true\n",
        ] {
            assert!(
                text.contains(expected),
                "{expected:?} missing from:\n{text}"
            );
        }
    }
}
