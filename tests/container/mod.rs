//! The generated `Dockerfile`, carried out without Docker (images cannot be pulled here): its
//! build stage is run step by step in a directory standing for `/app`, from the build context
//! that `.dockerignore` leaves (each `COPY` copies, each `RUN` runs in `sh`, with cargo's target
//! directory the shared `target/generated/` standing for `/app/target`); then only what the
//! runtime stage's `COPY --from=build` lines copy is put in a directory standing for the
//! runtime image's `/`, and its `ENTRYPOINT` is started there with a clean environment: the
//! image's `ENV`, and what README.md says to pass (the provider's variables, and HOST and PORT,
//! since tests listen on 127.0.0.1 only). Run as root (as CI is), `COPY --chown` and `USER` are
//! applied too, so the server runs as the image's unprivileged user.
//!
//! It must answer `GET /health` with 200, keep a SQLite database in the image's `VOLUME`, and the
//! `HEALTHCHECK` command must exit 0 while it runs and fail once it is stopped.
//!
//! Instructions the simulation does not know fail the test, so that it never passes by skipping
//! a step the real build would take.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use super::support::cargo::{isolate_nested_cargo, repo_dir, tail, target_dir};
use super::support::process::{ChildProcess, free_port};
use super::{READY_TIMEOUT, Scenario, generate};

#[test]
fn default_project_runs_from_what_its_image_copies() {
    runs_from_what_its_image_copies(&Scenario::default_project(), &[]);
}

#[test]
fn postgres_project_runs_from_what_its_image_copies() {
    let database = super::support::postgres::url();
    runs_from_what_its_image_copies(&Scenario::postgres(), &[("DATABASE_URL", database)]);
}

/// One instruction of a Dockerfile: `COPY`, and its arguments (continuation lines joined).
#[derive(Debug)]
struct Instruction {
    line: usize,
    keyword: String,
    args: String,
}

/// The stages of `dockerfile`, each its `FROM` line's arguments and its instructions.
fn stages(dockerfile: &str) -> Vec<(String, Vec<Instruction>)> {
    let mut stages: Vec<(String, Vec<Instruction>)> = Vec::new();
    let mut pending = String::new();
    let mut start = 0;
    for (number, line) in dockerfile.lines().enumerate() {
        let trimmed = line.trim();
        if pending.is_empty() && (trimmed.is_empty() || trimmed.starts_with('#')) {
            continue;
        }
        if pending.is_empty() {
            start = number + 1;
        }
        match trimmed.strip_suffix('\\') {
            Some(part) => {
                pending.push_str(part);
                pending.push(' ');
                continue;
            }
            None => pending.push_str(trimmed),
        }
        let text = std::mem::take(&mut pending);
        let (keyword, args) = text.split_once(' ').unwrap_or((&text, ""));
        let instruction = Instruction {
            line: start,
            keyword: keyword.to_uppercase(),
            args: args.trim().to_owned(),
        };
        if instruction.keyword == "FROM" {
            stages.push((instruction.args, Vec::new()));
        } else {
            stages
                .last_mut()
                .unwrap_or_else(|| panic!("line {start}: an instruction before FROM"))
                .1
                .push(instruction);
        }
    }
    stages
}

/// `--name=value` options, then the other words.
fn options_and_words(args: &str) -> (BTreeMap<String, String>, Vec<String>) {
    let mut options = BTreeMap::new();
    let mut words = Vec::new();
    for word in args.split_whitespace() {
        match word.strip_prefix("--").and_then(|o| o.split_once('=')) {
            Some((name, value)) if words.is_empty() => {
                options.insert(name.to_owned(), value.to_owned());
            }
            _ => words.push(word.to_owned()),
        }
    }
    (options, words)
}

fn json_array(args: &str, what: &str) -> Vec<String> {
    serde_json::from_str(args)
        .unwrap_or_else(|e| panic!("{what} is not in the exec (JSON array) form: {args}: {e}"))
}

/// The `.dockerignore` patterns of `project`: root-relative paths, without wildcards.
fn ignored(project: &Path) -> Vec<PathBuf> {
    let text = fs::read_to_string(project.join(".dockerignore")).expect("a .dockerignore");
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|pattern| {
            assert!(
                !pattern.contains(['*', '?', '[', '!']),
                "this test reads only plain paths in .dockerignore, not `{pattern}`"
            );
            PathBuf::from(pattern.trim_start_matches('/'))
        })
        .collect()
}

/// Copies `from` (a file or a directory) to `to`, leaving out paths under `skip` (relative to
/// `from`).
fn copy(from: &Path, to: &Path, skip: &[PathBuf], relative: &Path) {
    if skip.iter().any(|skipped| relative.starts_with(skipped)) && relative != Path::new("") {
        return;
    }
    let metadata =
        fs::metadata(from).unwrap_or_else(|e| panic!("cannot copy {}: {e}", from.display()));
    if metadata.is_dir() {
        fs::create_dir_all(to).unwrap();
        for entry in fs::read_dir(from).unwrap() {
            let name = entry.unwrap().file_name();
            copy(
                &from.join(&name),
                &to.join(&name),
                skip,
                &relative.join(&name),
            );
        }
    } else {
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent).unwrap();
        }
        fs::copy(from, to)
            .unwrap_or_else(|e| panic!("cannot copy {} to {}: {e}", from.display(), to.display()));
    }
}

fn chown_all(path: &Path, uid: u32, gid: u32) {
    std::os::unix::fs::chown(path, Some(uid), Some(gid)).unwrap();
    if path.is_dir() {
        for entry in fs::read_dir(path).unwrap() {
            chown_all(&entry.unwrap().path(), uid, gid);
        }
    }
}

/// `uid:gid` as numbers (the image's USER and `--chown` are numeric).
fn ids(spec: &str) -> (u32, u32) {
    let (uid, gid) = spec.split_once(':').unwrap_or((spec, spec));
    let number = |id: &str| {
        id.parse()
            .unwrap_or_else(|_| panic!("`{spec}`: this test reads numeric ids only"))
    };
    (number(uid), number(gid))
}

/// Whether this process may change file owners and run children as another user.
fn is_root() -> bool {
    fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// The runtime stage, as put on disk.
struct Runtime {
    root: PathBuf,
    workdir: PathBuf,
    env: Vec<(String, String)>,
    user: Option<(u32, u32)>,
    entrypoint: Vec<String>,
    health_check: Vec<String>,
    volumes: Vec<String>,
}

impl Runtime {
    fn command(&self, argv: &[String], extra_env: &[(String, String)]) -> Command {
        let program = self.root.join(argv[0].trim_start_matches('/'));
        let mut command = Command::new(program);
        command
            .args(&argv[1..])
            .current_dir(&self.workdir)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .envs(extra_env.iter().map(|(k, v)| (k, v)));
        if let Some((uid, gid)) = self.user.filter(|_| is_root()) {
            command.uid(uid).gid(gid);
        }
        command
    }
}

fn runs_from_what_its_image_copies(scenario: &Scenario, env: &[(&str, &str)]) {
    let project = generate(scenario);
    let dockerfile = fs::read_to_string(project.dir.join("Dockerfile")).expect("a Dockerfile");
    let stages = stages(&dockerfile);
    assert_eq!(stages.len(), 2, "a build stage and a runtime stage");
    let work = repo_dir()
        .join("target/generated-projects")
        .join(format!("{}-image", scenario.name));
    if work.exists() {
        fs::remove_dir_all(&work).unwrap();
    }
    let skip = ignored(&project.dir);

    // The build stage, in `work/app` for /app.
    let (from, build) = &stages[0];
    assert!(
        from.ends_with(" AS build"),
        "the first stage is `build`: {from}"
    );
    let app = work.join("app");
    let mut cwd: Option<PathBuf> = None;
    for instruction in build {
        let at = format!("Dockerfile line {}", instruction.line);
        match instruction.keyword.as_str() {
            "WORKDIR" => {
                assert_eq!(instruction.args, "/app", "{at}: this test maps /app only");
                fs::create_dir_all(&app).unwrap();
                cwd = Some(app.clone());
            }
            "COPY" => {
                let (options, mut words) = options_and_words(&instruction.args);
                assert!(options.is_empty(), "{at}: COPY options in the build stage");
                let dest = words.pop().expect("a COPY destination");
                let cwd = cwd.as_ref().expect("a WORKDIR before COPY");
                if dest != "." && dest != "./" {
                    // `COPY dir dir`: the directory, under the same name in the WORKDIR.
                    assert!(
                        words.len() == 1
                            && words[0].trim_end_matches('/') == dest.trim_end_matches('/'),
                        "{at}: COPY into the WORKDIR, or one path to the same path in it"
                    );
                }
                for source in words {
                    let relative = PathBuf::from(source.trim_start_matches("./"));
                    let relative = if relative == Path::new(".") {
                        PathBuf::new()
                    } else {
                        relative
                    };
                    let to = if relative == Path::new("") {
                        cwd.clone()
                    } else {
                        cwd.join(&relative)
                    };
                    copy(&project.dir.join(&relative), &to, &skip, &relative);
                }
            }
            "RUN" => {
                let cwd = cwd.as_ref().expect("a WORKDIR before RUN");
                eprintln!(
                    "container `{}`: {at}: RUN {} (a cold release build takes minutes)",
                    scenario.name, instruction.args
                );
                let started = Instant::now();
                let mut command = Command::new("sh");
                command
                    .arg("-c")
                    .arg(&instruction.args)
                    .current_dir(cwd)
                    .stdin(Stdio::null());
                isolate_nested_cargo(&mut command);
                let output = command
                    .env("CARGO_TARGET_DIR", target_dir())
                    .env("CARGO_TERM_COLOR", "never")
                    .output()
                    .expect("sh runs");
                let text = format!(
                    "{}{}",
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                );
                assert!(
                    output.status.success(),
                    "{at}: `{}` failed ({}):\n{}",
                    instruction.args,
                    output.status,
                    tail(&text, 80)
                );
                eprintln!(
                    "container `{}`: {at}: done in {:.1?}",
                    scenario.name,
                    started.elapsed()
                );
            }
            other => panic!("{at}: this test does not carry out `{other}` in the build stage"),
        }
    }

    // The runtime stage, in `work/root` for /.
    let (_, runtime_stage) = &stages[1];
    let root = work.join("root");
    fs::create_dir_all(&root).unwrap();
    let mut runtime = Runtime {
        root: root.clone(),
        workdir: root.clone(),
        env: Vec::new(),
        user: None,
        entrypoint: Vec::new(),
        health_check: Vec::new(),
        volumes: Vec::new(),
    };
    for instruction in runtime_stage {
        let at = format!("Dockerfile line {}", instruction.line);
        let args = instruction.args.as_str();
        match instruction.keyword.as_str() {
            "WORKDIR" => {
                runtime.workdir = root.join(args.trim_start_matches('/'));
                fs::create_dir_all(&runtime.workdir).unwrap();
            }
            "COPY" => {
                let (options, words) = options_and_words(args);
                assert_eq!(
                    options.get("from").map(String::as_str),
                    Some("build"),
                    "{at}: the runtime copies from the build stage only"
                );
                let [source, dest] = &words[..] else {
                    panic!("{at}: COPY one source to one destination");
                };
                let from = if let Some(rest) = source.strip_prefix("/app/target/") {
                    target_dir().join(rest)
                } else if let Some(rest) = source.strip_prefix("/app/") {
                    app.join(rest)
                } else {
                    panic!("{at}: this test maps sources under /app only: {source}")
                };
                let to = root.join(dest.trim_start_matches('/'));
                copy(&from, &to, &[], Path::new(""));
                if let Some(owner) = options.get("chown")
                    && is_root()
                {
                    let (uid, gid) = ids(owner);
                    chown_all(&to, uid, gid);
                }
            }
            "ENV" => {
                for pair in args.split_whitespace() {
                    let (name, value) = pair
                        .split_once('=')
                        .unwrap_or_else(|| panic!("{at}: ENV NAME=value, not `{pair}`"));
                    runtime.env.push((name.to_owned(), value.to_owned()));
                }
            }
            "USER" => runtime.user = Some(ids(args)),
            "VOLUME" => runtime.volumes.extend(json_array(args, "VOLUME")),
            "ENTRYPOINT" => runtime.entrypoint = json_array(args, "ENTRYPOINT"),
            "HEALTHCHECK" => {
                let (_, command) = args
                    .split_once(" CMD ")
                    .unwrap_or_else(|| panic!("{at}: HEALTHCHECK [OPTIONS] CMD [...]"));
                runtime.health_check = json_array(command.trim(), "HEALTHCHECK CMD");
            }
            "EXPOSE" => {}
            other => panic!("{at}: this test does not carry out `{other}` in the runtime stage"),
        }
    }
    assert!(
        !runtime.entrypoint.is_empty(),
        "the image has an ENTRYPOINT"
    );
    assert!(
        !runtime.health_check.is_empty(),
        "the image has a HEALTHCHECK"
    );
    assert!(
        runtime.user.is_some_and(|(uid, _)| uid != 0),
        "the image runs as an unprivileged user"
    );

    // The server, with the image's environment and what the README says to pass.
    let port = free_port();
    let mut extra: Vec<(String, String)> = vec![
        ("HOST".to_owned(), "127.0.0.1".to_owned()),
        ("PORT".to_owned(), port.to_string()),
    ];
    let spec = scenario.options.provider.spec();
    for var in spec.env_for(scenario.options.key_source()) {
        if var.required {
            let example = var.example.replace(
                "{resource}",
                &scenario.options.resource_names().plural_kebab,
            );
            extra.push((var.name.to_owned(), example));
        }
    }
    extra.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let mut server = ChildProcess::spawn(
        "the server of the image",
        &mut runtime.command(&runtime.entrypoint, &extra),
    );
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .into();
    let health = format!("http://127.0.0.1:{port}/health");
    let started = Instant::now();
    let mut last = String::from("no answer yet");
    loop {
        if let Some(status) = server.exited() {
            panic!(
                "the server of the image exited ({status}); last /health: {last}\n{}",
                server.report()
            );
        }
        match agent.get(&health).call() {
            Ok(response) if response.status() == 200 => break,
            Ok(response) => last = response.status().to_string(),
            Err(e) => last = e.to_string(),
        }
        assert!(
            started.elapsed() < READY_TIMEOUT,
            "GET {health} did not answer 200 within {READY_TIMEOUT:?}; last: {last}\n{}",
            server.report()
        );
        thread::sleep(Duration::from_millis(100));
    }

    let probe = |runtime: &Runtime| {
        runtime
            .command(&runtime.health_check, &extra)
            .stdin(Stdio::null())
            .output()
            .expect("the health check runs")
    };
    let up = probe(&runtime);
    assert!(
        up.status.success(),
        "the HEALTHCHECK fails while the server answers ({}): {}\n{}",
        up.status,
        String::from_utf8_lossy(&up.stderr),
        server.report()
    );

    if scenario.options.storage == authgate::options::Storage::Sqlite {
        let in_volume = runtime.volumes.iter().any(|volume| {
            let dir = root.join(volume.trim_start_matches('/'));
            fs::read_dir(&dir).is_ok_and(|mut entries| {
                entries.any(|e| e.is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".db")))
            })
        });
        assert!(
            in_volume,
            "the SQLite database is not in a VOLUME ({:?})\n{}",
            runtime.volumes,
            server.report()
        );
    }

    drop(server);
    let down = probe(&runtime);
    assert!(
        !down.status.success(),
        "the HEALTHCHECK passes with the server stopped"
    );
    eprintln!(
        "container `{}`: /health 200 from {}, HEALTHCHECK 0 while up and {} once stopped ({})",
        scenario.name,
        root.display(),
        down.status,
        String::from_utf8_lossy(&down.stderr).trim()
    );
}
