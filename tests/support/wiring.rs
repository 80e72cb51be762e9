//! Doing what `authgate auth` tells a user to do after it added the module to their package:
//! the lines of its `next:` section, each put where the section's heading says.

use std::fs;
use std::path::{Path, PathBuf};

/// The printed wiring: each heading (`at the top of src/main.rs`, ...) with its lines, as
/// indented in the output (four spaces stripped).
pub fn printed(stdout: &str) -> Vec<(String, Vec<String>)> {
    let mut sections: Vec<(String, Vec<String>)> = Vec::new();
    for line in stdout
        .lines()
        .skip_while(|line| !line.contains("wire the module into your server"))
        .skip(1)
    {
        if let Some(code) = line.strip_prefix("    ") {
            let (_, lines) = sections
                .last_mut()
                .unwrap_or_else(|| panic!("code before any heading:\n{stdout}"));
            lines.push(code.to_owned());
        } else if let Some(heading) = line.strip_prefix("  ").and_then(|l| l.strip_suffix(':')) {
            sections.push((heading.to_owned(), Vec::new()));
        } else {
            break;
        }
    }
    assert!(!sections.is_empty(), "no wiring printed:\n{stdout}");
    sections
}

/// The package at `dir` with the printed wiring applied, as a user would: each `at the top of
/// FILE` section at the top of FILE (after its inner doc comment and attributes), and the others in the last
/// FILE named, the server's: the setup at the start of `main`'s body, the route once the
/// statement `let app ...;` ends, and the handler at the end of the file. Returns the server's
/// file, relative to `dir`. Panics on a heading it does not know, or when a file has no place
/// the heading names.
pub fn apply(dir: &Path, stdout: &str) -> PathBuf {
    let sections = printed(stdout);
    let server: PathBuf = sections
        .iter()
        .filter_map(|(heading, _)| heading.strip_prefix("at the top of "))
        .next_back()
        .unwrap_or_else(|| panic!("no `at the top of FILE` heading:\n{stdout}"))
        .into();
    for (heading, code) in &sections {
        let file = heading
            .strip_prefix("at the top of ")
            .map_or_else(|| server.clone(), PathBuf::from);
        let path = dir.join(file);
        let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        fs::write(&path, insert(&text, heading, code)).unwrap();
    }
    server
}

/// `text` with the lines `code` of the section `heading` put where the heading says.
fn insert(text: &str, heading: &str, code: &[String]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let at = if heading.starts_with("at the top of ") {
        lines
            .iter()
            .position(|line| {
                !line.starts_with("//!") && !line.starts_with("#![") && !line.trim().is_empty()
            })
            .unwrap_or(lines.len())
    } else if heading.starts_with("in `main`, before your router is built") {
        let main = lines
            .iter()
            .position(|line| line.contains("fn main("))
            .unwrap_or_else(|| panic!("no `fn main(` in:\n{text}"));
        main + lines[main..]
            .iter()
            .position(|line| line.trim_end().ends_with('{'))
            .expect("the body of `main`")
            + 1
    } else if heading.starts_with("once your router `app` is built") {
        end_of_let_app(&lines).unwrap_or_else(|| panic!("no `let app = ...;` in:\n{text}"))
    } else if heading.starts_with("beside `main`") {
        lines.push(String::new());
        lines.len()
    } else {
        panic!("a wiring heading this helper does not know: `{heading}`");
    };
    let indent = if heading.starts_with("in `main`") || heading.starts_with("once") {
        "    "
    } else {
        ""
    };
    let mut block: Vec<String> = code.iter().map(|line| format!("{indent}{line}")).collect();
    if heading.starts_with("at the top") {
        block.push(String::new());
    }
    lines.splice(at..at, block);
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

/// The index of the line after the statement `let app ... ;` (brackets balanced).
fn end_of_let_app(lines: &[String]) -> Option<usize> {
    let start = lines.iter().position(|line| {
        let line = line.trim_start();
        ["let app =", "let app:", "let mut app"]
            .iter()
            .any(|start| line.starts_with(start))
    })?;
    let mut depth = 0i32;
    for (i, line) in lines.iter().enumerate().skip(start) {
        for c in line.chars() {
            match c {
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth -= 1,
                _ => {}
            }
        }
        if depth == 0 && line.trim_end().ends_with(';') {
            return Some(i + 1);
        }
    }
    None
}
