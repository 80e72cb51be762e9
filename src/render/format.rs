//! The generated Rust code, laid out by rustfmt: the templates say what the code is, and
//! rustfmt where its lines break, whatever the length of the names the user chose.

use std::fs;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use super::RenderedFiles;

/// Formats every `.rs` file of `files` in place with `rustfmt --edition 2024`, in one run over
/// a temporary copy of the tree. Without rustfmt on the PATH the files are left as rendered, and `false`
/// is returned, so that the caller can say so.
pub fn rust_files(files: &mut RenderedFiles) -> Result<bool> {
    let rust: Vec<_> = files
        .keys()
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .cloned()
        .collect();
    if rust.is_empty() {
        return Ok(true);
    }
    let dir = tempfile::tempdir().context("creating a directory to format the code in")?;
    let mut paths = Vec::new();
    for path in &rust {
        let copy = dir.path().join(path);
        if let Some(parent) = copy.parent() {
            fs::create_dir_all(parent)
                .with_context(|| format!("creating `{}`", parent.display()))?;
        }
        fs::write(&copy, &files[path]).with_context(|| format!("writing `{}`", copy.display()))?;
        paths.push(copy);
    }
    let output = match Command::new(rustfmt())
        .args(["--edition", "2024"])
        .args(&paths)
        .stdin(Stdio::null())
        .output()
    {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e).context("running rustfmt"),
    };
    if !output.status.success() {
        bail!(
            "rustfmt refused the generated code (a bug of authgate's template):\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    for (path, copy) in rust.iter().zip(&paths) {
        let text =
            fs::read_to_string(copy).with_context(|| format!("reading `{}`", copy.display()))?;
        files.insert(path.clone(), text);
    }
    Ok(true)
}

/// `$RUSTFMT`, else `rustfmt`.
fn rustfmt() -> std::ffi::OsString {
    std::env::var_os("RUSTFMT").unwrap_or_else(|| "rustfmt".into())
}
