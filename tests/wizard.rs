//! The interactive wizard, driven through a real pseudo-terminal (the test creates it, so this
//! runs in CI without a terminal too). Every wait has a timeout: a prompt that never comes fails
//! the test with the transcript so far, it never hangs.
//!
//! Keys are sent only once the prompt that reads them is on the screen.
#![cfg(unix)]

mod support;

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use authgate::options::{Answers, NameSource, Options};
use authgate::provider::{Algorithm, Provider};
use rexpect::process::{Signal, WaitStatus};
use rexpect::session::{PtySession, spawn_command};
use support::files::tree;
use tempfile::TempDir;

/// How long any one expected text may take to appear.
const TIMEOUT: Duration = Duration::from_secs(30);

const ENTER: &str = "\r";
const ESC: &str = "\x1b";
const DOWN: &str = "\x1b[B";
const HIDE_CURSOR: &str = "\x1b[?25l";
const SHOW_CURSOR: &str = "\x1b[?25h";

/// rexpect keeps each output byte as one `char`; compare in that form.
fn as_bytes_chars(text: &str) -> String {
    text.bytes().map(char::from).collect()
}

fn from_bytes_chars(text: &str) -> String {
    let bytes: Vec<u8> = text.chars().map(|c| c as u8).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// `authgate` running in a pseudo-terminal, with everything it printed so far.
struct Terminal {
    session: PtySession,
    /// As received (escape sequences included), one `char` per byte.
    transcript: String,
}

impl Terminal {
    /// `authgate ARGS` in `dir`, colours off unless `colour`.
    fn start(dir: &Path, args: &[&str], colour: bool) -> Terminal {
        let mut command = Command::new(env!("CARGO_BIN_EXE_authgate"));
        command
            .args(args)
            .current_dir(dir)
            .env("TERM", "xterm-256color")
            .env_remove("CLICOLOR")
            .env_remove("CLICOLOR_FORCE");
        if colour {
            command.env_remove("NO_COLOR");
        } else {
            command.env("NO_COLOR", "1");
        }
        let timeout = u64::try_from(TIMEOUT.as_millis()).unwrap();
        let session =
            spawn_command(command, Some(timeout)).expect("cannot start authgate in a pty");
        Terminal {
            session,
            transcript: String::new(),
        }
    }

    /// Waits for `text` (plain UTF-8) to be printed.
    fn expect(&mut self, text: &str) {
        match self.session.exp_string(&as_bytes_chars(text)) {
            Ok(before) => {
                self.transcript.push_str(&before);
                self.transcript.push_str(&as_bytes_chars(text));
            }
            Err(error) => panic!(
                "waiting for {text:?}: {error}\n--- transcript so far ---\n{}",
                self.readable()
            ),
        }
    }

    fn send(&mut self, keys: &str) {
        self.session.send(keys).expect("cannot type into the pty");
        self.session.flush().expect("cannot type into the pty");
    }

    /// Waits for `prompt`, then answers it with `keys`.
    fn answer(&mut self, prompt: &str, keys: &str) {
        self.expect(prompt);
        self.send(keys);
    }

    /// Waits for the end of the output and the exit status; returns the status and everything
    /// printed since the last expected text.
    fn finish(mut self) -> (i32, String) {
        let rest = match self.session.exp_eof() {
            Ok(rest) => rest,
            Err(error) => panic!(
                "waiting for authgate to end: {error}\n--- transcript so far ---\n{}",
                self.readable()
            ),
        };
        self.transcript.push_str(&rest);
        let deadline = Instant::now() + TIMEOUT;
        let status = loop {
            match self.session.process().status() {
                Some(WaitStatus::StillAlive) | None if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Some(WaitStatus::Exited(_, code)) => break code,
                other => panic!(
                    "authgate did not exit normally: {other:?}\n{}",
                    self.readable()
                ),
            }
        };
        (status, self.readable())
    }

    fn readable(&self) -> String {
        from_bytes_chars(&self.transcript)
    }
}

/// The `[answers]` table the project at `dir` was generated from.
fn recorded_answers(project: &Path) -> Options {
    let text = fs::read_to_string(project.join("authgate.toml"))
        .unwrap_or_else(|e| panic!("no authgate.toml in `{}`: {e}", project.display()));
    let answers = Answers::from_toml(&text).unwrap();
    Options::from_answers(answers, NameSource::AnswersFile).unwrap()
}

/// Dialoguer's list prompts hide the cursor; after the last hide it must be shown again.
fn assert_cursor_visible(transcript: &str) {
    if let Some(hidden) = transcript.rfind(HIDE_CURSOR) {
        assert!(
            transcript[hidden..].contains(SHOW_CURSOR),
            "the cursor is left hidden:\n{transcript:?}"
        );
    }
}

/// The prompts in order, each with its default shown.
const NAME: &str = "Project name";
const PROVIDER: &str = "Identity provider";
const ALGORITHMS: &str = "Signing algorithms";
const CLAIM: &str = "Claim that holds the user id";
const STORAGE: &str = "Storage";
const RESOURCE: &str = "Owned resource";
/// The first field's name; ENTER alone takes the default fields.
const FIELD: &str = "Field 1 of `tasks` (enter to finish)";
const ROUTES: &str = "Routes";
const CONFIRM: &str = "Create `my-api/`?";

#[test]
fn enter_alone_creates_the_default_project() {
    let dir = TempDir::new().unwrap();
    let mut term = Terminal::start(dir.path(), &["new", "my-api"], false);
    term.answer(&format!("{NAME} (my-api)"), ENTER);
    term.expect("✔ Project name · my-api");
    term.answer(PROVIDER, ENTER);
    term.expect("✔ Identity provider · better-auth");
    term.answer(ALGORITHMS, ENTER);
    term.expect("✔ Signing algorithms · EdDSA");
    term.answer(&format!("{CLAIM} (sub)"), ENTER);
    term.answer(STORAGE, ENTER);
    term.expect("✔ Storage · sqlite");
    term.answer(&format!("{RESOURCE} (a plural noun) (tasks)"), ENTER);
    term.answer(FIELD, ENTER);
    term.expect(
        "✔ Fields · title:string, description:string(2000)?, completed:bool=false (the defaults)",
    );
    term.answer(ROUTES, ENTER);
    term.expect("✔ Routes · /api/{user_id}/tasks");
    term.expect(
        "authgate new my-api --provider better-auth --alg EdDSA --user-claim sub \
         --storage sqlite --resource tasks --user-in-path true",
    );
    term.answer(CONFIRM, ENTER);
    term.expect("created `my-api/` with ");
    let (status, transcript) = term.finish();
    assert_eq!(status, 0, "{transcript}");
    assert_cursor_visible(&transcript);

    assert_eq!(
        recorded_answers(&dir.path().join("my-api")),
        Options::defaults("my-api").unwrap()
    );
    let expected = authgate::render::render(&Options::defaults("my-api").unwrap()).unwrap();
    for file in expected.keys() {
        assert!(
            dir.path().join("my-api").join(file).is_file(),
            "`{}` is missing",
            file.display()
        );
    }
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        1,
        "only the project: {:?}",
        tree(dir.path())
    );
}

#[test]
fn a_provider_chosen_with_the_arrow_keys_brings_its_defaults() {
    let dir = TempDir::new().unwrap();
    let mut term = Terminal::start(dir.path(), &["new", "my-api"], false);
    term.answer(NAME, ENTER);
    // better-auth is first; one step down is auth0.
    term.expect(PROVIDER);
    term.answer("auth0", DOWN);
    term.answer("❯ auth0", ENTER);
    term.expect("✔ Identity provider · auth0");
    // auth0's algorithms only, its default (RS256) checked, the others not.
    term.expect(ALGORITHMS);
    term.expect("✔ RS256");
    term.expect("⬚ PS256");
    term.send(ENTER);
    term.expect("✔ Signing algorithms · RS256");
    let claim = Provider::Auth0.spec().user_claim;
    term.answer(&format!("{CLAIM} ({claim})"), ENTER);
    term.answer(STORAGE, ENTER);
    term.answer(RESOURCE, ENTER);
    term.answer(FIELD, ENTER);
    term.answer(ROUTES, ENTER);
    term.expect(&format!(
        "authgate new my-api --provider auth0 --alg RS256 --user-claim {claim} \
         --storage sqlite --resource tasks --user-in-path true"
    ));

    term.answer(CONFIRM, ENTER);
    term.expect("created `my-api/`");
    let (status, transcript) = term.finish();
    assert_eq!(status, 0, "{transcript}");
    let recorded = recorded_answers(&dir.path().join("my-api"));
    assert_eq!(recorded.provider, Provider::Auth0);
    assert_eq!(recorded.algorithms, [Algorithm::RS256]);
    assert_eq!(recorded.user_claim, claim);
    let expected = Answers {
        name: Some("my-api".into()),
        provider: Some(Provider::Auth0),
        ..Answers::default()
    }
    .or_defaults();
    assert_eq!(
        recorded,
        Options::from_answers(expected, NameSource::Flag).unwrap()
    );
}

#[test]
fn an_invalid_name_is_asked_again_with_the_fix() {
    let dir = TempDir::new().unwrap();
    let mut term = Terminal::start(dir.path(), &["new", "my-api"], false);
    term.answer(&format!("{NAME} (my-api)"), "2fast\r");
    term.expect("✘ the name `2fast` is not a valid crate name");
    term.expect("; press enter for `fast`, or type another name");
    // Asked again, the fix now the default.
    term.answer(&format!("{NAME} (fast)"), ENTER);
    term.expect("✔ Project name · fast");
    for prompt in [
        PROVIDER, ALGORITHMS, CLAIM, STORAGE, RESOURCE, FIELD, ROUTES,
    ] {
        term.answer(prompt, ENTER);
    }
    term.expect("authgate new my-api --name fast --provider better-auth");
    term.answer(CONFIRM, ENTER);
    term.expect("created `my-api/`");
    let (status, transcript) = term.finish();
    assert_eq!(status, 0, "{transcript}");
    assert_eq!(
        recorded_answers(&dir.path().join("my-api")),
        Options::defaults("fast").unwrap()
    );
}

#[test]
fn ctrl_c_at_the_second_prompt_leaves_nothing_and_shows_the_cursor() {
    let dir = TempDir::new().unwrap();
    let mut term = Terminal::start(dir.path(), &["new", "my-api"], false);
    term.answer(NAME, ENTER);
    term.expect(PROVIDER);
    term.expect("better-auth");
    term.session.send_control('c').unwrap();
    term.expect("cancelled; nothing was written");
    let (status, transcript) = term.finish();
    assert_eq!(status, 130, "{transcript}");
    assert!(transcript.contains(HIDE_CURSOR), "a list hides the cursor");
    assert_cursor_visible(&transcript);
    assert!(tree(dir.path()).is_empty(), "{:?}", tree(dir.path()));
}

#[test]
fn ctrl_c_at_a_text_prompt_leaves_nothing() {
    let dir = TempDir::new().unwrap();
    let mut term = Terminal::start(dir.path(), &["new", "my-api"], false);
    term.answer(NAME, "half-typed");
    term.session.send_control('c').unwrap();
    term.expect("cancelled; nothing was written");
    let (status, transcript) = term.finish();
    assert_eq!(status, 130, "{transcript}");
    assert_cursor_visible(&transcript);
    assert!(tree(dir.path()).is_empty(), "{:?}", tree(dir.path()));
}

/// SIGINT sent by another process, at a text prompt and at a list, cancels as Ctrl-C does. (A
/// Ctrl-C typed between two reads of a key is such a signal too, from the terminal; that race is
/// what `ctrl_c_at_a_text_prompt_leaves_nothing` lost about once in 50 runs under load before the
/// SIGINT handler cancelled whenever it ran first.)
#[test]
fn sigint_from_another_process_cancels_at_any_prompt() {
    for at in [NAME, PROVIDER] {
        let dir = TempDir::new().unwrap();
        let mut term = Terminal::start(dir.path(), &["new", "my-api"], false);
        if at == PROVIDER {
            term.answer(NAME, ENTER);
        }
        term.expect(at);
        // Long enough for the prompt to be reading its key.
        std::thread::sleep(Duration::from_millis(300));
        term.session
            .process_mut()
            .signal(Signal::SIGINT)
            .expect("SIGINT sent");
        term.expect("cancelled; nothing was written");
        let (status, transcript) = term.finish();
        assert_eq!(status, 130, "SIGINT at {at}: {transcript}");
        assert_cursor_visible(&transcript);
        assert!(
            tree(dir.path()).is_empty(),
            "SIGINT at {at}: {:?}",
            tree(dir.path())
        );
    }
}

#[test]
fn esc_at_a_list_or_a_text_prompt_leaves_nothing() {
    for at in [STORAGE, RESOURCE, FIELD] {
        let dir = TempDir::new().unwrap();
        let mut term = Terminal::start(dir.path(), &["new", "my-api"], false);
        for prompt in [NAME, PROVIDER, ALGORITHMS, CLAIM, STORAGE, RESOURCE, FIELD] {
            if prompt == at {
                term.answer(prompt, ESC);
                break;
            }
            term.answer(prompt, ENTER);
        }
        term.expect("cancelled; nothing was written");
        let (status, transcript) = term.finish();
        assert_eq!(status, 130, "Esc at {at}: {transcript}");
        assert_cursor_visible(&transcript);
        assert!(
            tree(dir.path()).is_empty(),
            "Esc at {at}: {:?}",
            tree(dir.path())
        );
    }
}

#[test]
fn no_at_the_confirmation_writes_nothing() {
    let dir = TempDir::new().unwrap();
    let mut term = Terminal::start(
        dir.path(),
        &["new", "my-api", "--provider", "better-auth"],
        false,
    );
    for prompt in [NAME, ALGORITHMS, CLAIM, STORAGE, RESOURCE, FIELD, ROUTES] {
        term.answer(prompt, ENTER);
    }
    term.answer(CONFIRM, "n");
    term.expect("cancelled; nothing was written");
    let (status, transcript) = term.finish();
    assert_eq!(status, 130, "{transcript}");
    assert!(tree(dir.path()).is_empty(), "{:?}", tree(dir.path()));
}

#[test]
fn answers_given_as_flags_or_in_the_config_are_not_asked_again() {
    let dir = TempDir::new().unwrap();
    fs::write(
        dir.path().join("answers.toml"),
        "[answers]\nresource = \"tasks\"\nuser_in_path = true\n",
    )
    .unwrap();
    let args = [
        "new",
        "my-api",
        "--name",
        "my-api",
        "--provider",
        "better-auth",
        "--storage",
        "sqlite",
        "--config",
        "answers.toml",
    ];
    let mut term = Terminal::start(dir.path(), &args, false);
    // The first question is the first answer missing: the algorithms.
    term.answer(ALGORITHMS, ENTER);
    term.answer(CLAIM, ENTER);
    term.expect(
        "authgate new my-api --provider better-auth --alg EdDSA --user-claim sub \
         --storage sqlite --resource tasks --user-in-path true",
    );
    term.answer(CONFIRM, ENTER);
    term.expect("created `my-api/`");
    let (status, transcript) = term.finish();
    assert_eq!(status, 0, "{transcript}");
    for never_asked in [NAME, PROVIDER, STORAGE, RESOURCE, FIELD, ROUTES] {
        assert!(
            !transcript.contains(&format!("? {never_asked}")),
            "{never_asked} was asked:\n{transcript}"
        );
    }
}

#[test]
fn errors_are_coloured_on_a_terminal_unless_no_color() {
    for colour in [true, false] {
        let dir = TempDir::new().unwrap();
        fs::write(dir.path().join("taken"), "a file\n").unwrap();
        let mut term = Terminal::start(dir.path(), &["new", "taken", "--yes"], colour);
        term.expect("already exists and is not a directory; choose a new directory");
        let (status, transcript) = term.finish();
        assert_eq!(status, 2, "{transcript}");
        let plain = transcript.starts_with("error: `taken` already exists");
        assert_eq!(
            !plain,
            colour,
            "colour {}: {transcript:?}",
            if colour { "on" } else { "off (NO_COLOR)" }
        );
        if colour {
            assert!(transcript.starts_with("\x1b["), "{transcript:?}");
            assert!(transcript.contains("error:\x1b[0m"), "{transcript:?}");
        }
    }
}

#[test]
fn auth_in_a_package_asks_only_the_auth_answers_then_confirms() {
    let dir = TempDir::new().unwrap();
    let package = dir.path().join("mine");
    fs::create_dir_all(package.join("src")).unwrap();
    fs::write(
        package.join("Cargo.toml"),
        "[package]\nname = \"mine\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[dependencies]\n",
    )
    .unwrap();
    fs::write(package.join("src/main.rs"), "fn main() {}\n").unwrap();

    // Esc at the confirmation writes nothing.
    let before = tree(&package);
    let mut term = Terminal::start(dir.path(), &["auth", "mine", "--provider", "auth0"], false);
    term.answer(ALGORITHMS, ENTER);
    term.expect("✔ Signing algorithms · RS256");
    term.answer(&format!("{CLAIM} (sub)"), ENTER);
    term.expect("authgate auth mine --provider auth0 --alg RS256 --user-claim sub");
    term.answer("Add the auth module to `mine/`?", ESC);
    let (status, transcript) = term.finish();
    assert_eq!(status, 130, "{transcript}");
    assert_eq!(tree(&package), before);
    for asked in [NAME, STORAGE, RESOURCE, ROUTES] {
        assert!(!transcript.contains(asked), "{asked}: {transcript}");
    }

    let mut term = Terminal::start(dir.path(), &["auth", "mine", "--provider", "auth0"], false);
    term.answer(ALGORITHMS, ENTER);
    term.answer(&format!("{CLAIM} (sub)"), ENTER);
    term.answer("Add the auth module to `mine/`?", ENTER);
    term.expect("added the auth module to `mine/`");
    let (status, transcript) = term.finish();
    assert_eq!(status, 0, "{transcript}");
    assert_cursor_visible(&transcript);
    assert!(package.join("src/auth/verifier.rs").is_file());
    let answers = fs::read_to_string(package.join("authgate.toml")).unwrap();
    assert!(answers.contains("provider = \"auth0\""), "{answers}");
}

/// Answers the questions about the field `name` once its name is taken: an `enum` (the last
/// type of the list) of `values`, `optional` the key that answers whether it may be null.
fn enum_field(term: &mut Terminal, name: &str, values: &str, optional: &str, default: &str) {
    term.answer(&format!("Type of `{name}`"), &DOWN.repeat(9));
    term.answer("❯ enum(a|b|c)", ENTER);
    term.answer(
        &format!("Values of `{name}`, separated by `|`"),
        &format!("{values}\r"),
    );
    term.answer(&format!("May `{name}` be null (optional)?"), optional);
    term.answer(
        &format!("Default of `{name}` (enter for none)"),
        &format!("{default}\r"),
    );
}

#[test]
fn the_fields_of_the_resource_are_asked_one_by_one_and_checked() {
    let dir = TempDir::new().unwrap();
    let term = Terminal::start(dir.path(), &["new", "my-api", "--yes"], false);
    // `--yes` answers everything: nothing is asked.
    let (status, transcript) = term.finish();
    assert_eq!(status, 0, "{transcript}");
    assert!(!transcript.contains("Field 1"), "{transcript}");

    let dir = TempDir::new().unwrap();
    let mut term = Terminal::start(dir.path(), &["new", "my-api"], false);
    for prompt in [NAME, PROVIDER, ALGORITHMS, CLAIM, STORAGE] {
        term.answer(prompt, ENTER);
    }
    term.answer(RESOURCE, "projects\r");
    // A string of at most 120 characters: `string(N)` is the second type of the list.
    term.answer("Field 1 of `projects` (enter to finish)", "name\r");
    term.answer("Type of `name`", DOWN);
    term.answer("❯ string(N)", ENTER);
    term.answer("Most characters in `name` (1 to 10000) (200)", "0\r");
    term.expect("✘ string(N) takes a maximum N from 1 to 10000 characters");
    term.answer("Most characters in `name`", "120\r");
    term.answer("May `name` be null (optional)?", ENTER);
    term.answer("Default of `name` (enter for none)", ENTER);
    term.expect("✔ Field · name:string(120)");
    // A name that is not snake_case is refused with the fix as the new default.
    term.answer("Field 2 of `projects`", "Archived\r");
    term.expect("✘ the name `Archived` must be snake_case");
    term.answer("Field 2 of `projects` (enter to finish) (archived)", ENTER);
    term.answer("Type of `archived`", &DOWN.repeat(3));
    term.answer("❯ bool", ENTER);
    term.answer("May `archived` be null (optional)?", ENTER);
    term.answer("Default of `archived`", "maybe\r");
    term.expect("✘ the default `maybe` is not `true` or `false`");
    term.answer("Default of `archived`", "false\r");
    term.expect("✔ Field · archived:bool=false");
    term.answer("Field 3 of `projects`", "priority\r");
    enum_field(&mut term, "priority", "low|high", "y", "high");
    term.expect("✔ Field · priority:enum(low|high)?=high");
    // A reserved name, then a field the whole model refuses (its enum would be `ProjectPage`).
    term.answer("Field 4 of `projects`", "id\r");
    term.expect("✘ `id` is reserved in `projects`");
    term.answer("Field 4 of `projects`", "page\r");
    enum_field(&mut term, "page", "a|b", ENTER, "");
    term.expect("✘ `projects` would generate the type `ProjectPage`");
    term.answer("Field 4 of `projects`", "\r");
    term.answer(ROUTES, ENTER);
    term.expect(
        "  fields         name:string(120), archived:bool=false, priority:enum(low|high)?=high",
    );
    term.expect(
        "authgate new my-api --provider better-auth --alg EdDSA --user-claim sub --storage \
         sqlite --resource projects --field 'name:string(120)' --field archived:bool=false \
         --field 'priority:enum(low|high)?=high' --user-in-path true",
    );
    term.answer(CONFIRM, ENTER);
    term.expect("created `my-api/`");
    let (status, transcript) = term.finish();
    assert_eq!(status, 0, "{transcript}");
    assert_cursor_visible(&transcript);
    let recorded = recorded_answers(&dir.path().join("my-api"));
    let fields: Vec<String> = recorded.resources[0]
        .fields
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        fields,
        [
            "name:string(120)",
            "archived:bool=false",
            "priority:enum(low|high)?=high"
        ]
    );
}

#[test]
fn add_resource_asks_the_fields_shows_the_command_and_confirms() {
    let dir = TempDir::new().unwrap();
    let project = dir.path().join("my-api");
    authgate::generate_project(&Options::defaults("my-api").unwrap(), &project).unwrap();
    let before = support::files::contents(&project);

    let ask = |term: &mut Terminal| {
        term.answer("Field 1 of `notes` (enter to finish)", "body\r");
        term.answer("Type of `body`", &DOWN.repeat(2));
        term.answer("❯ text", ENTER);
        term.answer("May `body` be null (optional)?", ENTER);
        term.answer("Default of `body` (enter for none)", ENTER);
        term.expect("✔ Field · body:text");
        term.answer("Field 2 of `notes`", ENTER);
        term.expect("  fields     body:text");
        term.expect("  routes     /api/{user_id}/notes");
        term.expect("authgate add resource notes my-api --field body:text");
    };
    // Esc at the confirmation writes nothing.
    let mut term = Terminal::start(dir.path(), &["add", "resource", "notes", "my-api"], false);
    ask(&mut term);
    term.answer("Add the resource `notes` to `my-api/`?", ESC);
    let (status, transcript) = term.finish();
    assert_eq!(status, 130, "{transcript}");
    assert!(support::files::contents(&project) == before);

    let mut term = Terminal::start(dir.path(), &["add", "resource", "notes", "my-api"], false);
    ask(&mut term);
    term.answer("Add the resource `notes` to `my-api/`?", ENTER);
    term.expect("added the resource `notes` to `my-api/`");
    let (status, transcript) = term.finish();
    assert_eq!(status, 0, "{transcript}");
    assert_cursor_visible(&transcript);
    let recorded = recorded_answers(&project);
    assert_eq!(recorded.resources.len(), 2);
    assert_eq!(recorded.resources[1].name, "notes");
    assert_eq!(recorded.resources[1].fields[0].to_string(), "body:text");

    // With --field, nothing is asked.
    let mut term = Terminal::start(
        dir.path(),
        &[
            "add",
            "resource",
            "tags",
            "my-api",
            "--field",
            "label:string",
        ],
        false,
    );
    term.expect("added the resource `tags` to `my-api/`");
    let (status, transcript) = term.finish();
    assert_eq!(status, 0, "{transcript}");
    assert!(!transcript.contains("Field 1"), "{transcript}");
}
