//! The generated Rust code, laid out by rustfmt: the templates say what the code is, and
//! rustfmt where its lines break, whatever the length of the names the user chose.

use std::collections::{BTreeMap, HashSet};
use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use super::RenderedFiles;

/// Formats every `.rs` file of `files` in place with `rustfmt --edition 2024`, run over a
/// temporary copy of the tree (one process per core). Without rustfmt on the PATH the files are
/// left as rendered, and `false` is returned, so that the caller can say so.
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
    // rustfmt formats the modules a file declares along with the file: handed every file, it
    // formatted most of them two or three times. It is handed the crate roots, and then
    // whatever they did not reach. Its processes run side by side, one per core, each with
    // whole top-level directories (`src`, `tests`), so that no two ever write the same file.
    let (roots, others): (Vec<usize>, Vec<usize>) =
        (0..rust.len()).partition(|&index| is_crate_root(&rust[index]));
    let mut weights: BTreeMap<&OsStr, usize> = BTreeMap::new();
    for path in &rust {
        *weights.entry(top(path)).or_default() += files[path].len();
    }
    let weight = |tree: &OsStr| weights.get(tree).copied().unwrap_or_default();
    let Some(reached) = run_rustfmt(&rust, &paths, &roots, weight)? else {
        return Ok(false);
    };
    let rest: Vec<usize> = others
        .into_iter()
        .filter(|&index| !reached.contains(&paths[index]))
        .collect();
    if run_rustfmt(&rust, &paths, &rest, weight)?.is_none() {
        return Ok(false);
    }
    for (path, copy) in rust.iter().zip(&paths) {
        let text =
            fs::read_to_string(copy).with_context(|| format!("reading `{}`", copy.display()))?;
        files.insert(path.clone(), text);
    }
    Ok(true)
}

/// Whether Cargo builds a crate from `path` (relative to the project): rustfmt reaches the
/// rest of a crate's files through the modules it declares.
fn is_crate_root(path: &Path) -> bool {
    let parts: Vec<&str> = path.iter().filter_map(OsStr::to_str).collect();
    match parts.as_slice() {
        ["build.rs"] | ["src", "lib.rs" | "main.rs"] => true,
        ["src", "bin", file] | ["tests" | "benches" | "examples", file] => file.ends_with(".rs"),
        ["src", "bin", _, "main.rs"] | ["tests" | "benches" | "examples", _, "main.rs"] => true,
        _ => false,
    }
}

/// The top-level directory of `path` (or the file itself, at the top).
fn top(path: &Path) -> &OsStr {
    path.iter().next().unwrap_or_default()
}

/// Runs rustfmt over `selected` (indexes into `rust`, whose copies are `paths`), one process
/// per core, the top-level directories shared out by `weight`; every process is waited for
/// before a failure is reported. The files rustfmt says it formatted, or `None` when there
/// is no rustfmt.
fn run_rustfmt(
    rust: &[PathBuf],
    paths: &[PathBuf],
    selected: &[usize],
    weight: impl Fn(&OsStr) -> usize,
) -> Result<Option<HashSet<PathBuf>>> {
    let mut trees: BTreeMap<&OsStr, Vec<usize>> = BTreeMap::new();
    for &index in selected {
        trees.entry(top(&rust[index])).or_default().push(index);
    }
    let sizes: Vec<usize> = trees.keys().map(|tree| weight(tree)).collect();
    let trees: Vec<Vec<usize>> = trees.into_values().collect();
    let jobs = std::thread::available_parallelism().map_or(1, usize::from);
    let mut runs = Vec::new();
    for share in shares(&sizes, jobs) {
        let child = Command::new(rustfmt())
            .args(["--edition", "2024", "--verbose"])
            .args(
                share
                    .iter()
                    .flat_map(|&tree| &trees[tree])
                    .map(|&index| &paths[index]),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        match child {
            Ok(child) => runs.push(child),
            Err(e) => {
                // Only the first can fail so, in practice; none is left running behind.
                for mut run in runs {
                    let _ = run.kill();
                    let _ = run.wait();
                }
                if e.kind() == std::io::ErrorKind::NotFound {
                    return Ok(None);
                }
                return Err(e).context("running rustfmt");
            }
        }
    }
    let outputs: Vec<_> = runs
        .into_iter()
        .map(|child| child.wait_with_output().context("running rustfmt"))
        .collect();
    let outputs = outputs.into_iter().collect::<Result<Vec<_>>>()?;
    if let Some(output) = outputs.iter().find(|output| !output.status.success()) {
        bail!(
            "rustfmt refused the generated code:\n{}\nauthgate lays out edition 2024 code with \
             the rustfmt of Rust 1.94 or newer: update it (`rustup update`) or point RUSTFMT at \
             a newer one. With such a rustfmt, this is a bug of authgate's templates.",
            String::from_utf8_lossy(&output.stderr).trim_end()
        );
    }
    // `--verbose` names each file it formats on a line of its own.
    Ok(Some(
        outputs
            .iter()
            .flat_map(|output| {
                let said = String::from_utf8_lossy(&output.stdout);
                said.lines()
                    .filter_map(|line| line.strip_prefix("Formatting ").map(PathBuf::from))
                    .collect::<Vec<_>>()
            })
            .collect(),
    ))
}

/// The indexes of `sizes` in at most `count` shares of about equal total size, the largest
/// placed first, each into the share with the least so far. No share is empty.
fn shares(sizes: &[usize], count: usize) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    order.sort_by_key(|&index| std::cmp::Reverse(sizes[index]));
    let mut shares: Vec<(usize, Vec<usize>)> =
        vec![(0, Vec::new()); count.clamp(1, sizes.len().max(1))];
    for index in order {
        let lightest = shares
            .iter_mut()
            .min_by_key(|(total, _)| *total)
            .expect("at least one share");
        lightest.0 += sizes[index];
        lightest.1.push(index);
    }
    shares
        .into_iter()
        .map(|(_, share)| share)
        .filter(|share| !share.is_empty())
        .collect()
}

/// `$RUSTFMT`, else `rustfmt`.
fn rustfmt() -> std::ffi::OsString {
    std::env::var_os("RUSTFMT").unwrap_or_else(|| "rustfmt".into())
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::super::RenderedFiles;
    use super::{is_crate_root, rust_files, shares};

    #[test]
    fn every_file_is_formatted_whether_a_crate_root_declares_it_or_not() {
        let file = |path: &str, text: &str| (PathBuf::from(path), text.to_owned());
        let mut files: RenderedFiles = [
            file("src/lib.rs", "pub mod a;\npub mod b;\n"),
            file("src/a.rs", "pub fn a( )->u8{1}\n"),
            file("src/b/mod.rs", "pub mod c;\n"),
            file("src/b/c.rs", "pub fn c( )->u8{3}\n"),
            // Declared by no module: reached only because it is handed over by name.
            file("src/orphan.rs", "pub fn orphan( )->u8{4}\n"),
            file(
                "tests/api/main.rs",
                "mod helpers;\n#[test] fn t(){assert_eq!(helpers::h(),5)}\n",
            ),
            file("tests/api/helpers.rs", "pub fn h( )->u8{5}\n"),
            file("README.md", "untouched( )\n"),
        ]
        .into_iter()
        .collect();
        assert!(
            rust_files(&mut files).unwrap(),
            "rustfmt is needed on the PATH to run this test"
        );
        for (path, formatted) in [
            ("src/a.rs", "pub fn a() -> u8 {\n    1\n}\n"),
            ("src/b/c.rs", "pub fn c() -> u8 {\n    3\n}\n"),
            ("src/orphan.rs", "pub fn orphan() -> u8 {\n    4\n}\n"),
            (
                "tests/api/main.rs",
                "mod helpers;\n#[test]\nfn t() {\n    assert_eq!(helpers::h(), 5)\n}\n",
            ),
            ("tests/api/helpers.rs", "pub fn h() -> u8 {\n    5\n}\n"),
        ] {
            assert_eq!(files[Path::new(path)], formatted, "{path}");
        }
        assert_eq!(files[Path::new("README.md")], "untouched( )\n");
    }

    #[test]
    fn crate_roots_are_where_cargo_starts_a_crate() {
        for root in [
            "build.rs",
            "src/lib.rs",
            "src/main.rs",
            "src/bin/tool.rs",
            "src/bin/tool/main.rs",
            "tests/api.rs",
            "tests/api/main.rs",
            "benches/speed.rs",
            "examples/demo/main.rs",
        ] {
            assert!(is_crate_root(Path::new(root)), "{root}");
        }
        for module in [
            "src/routes/mod.rs",
            "src/a.rs",
            "tests/api/helpers.rs",
            "src/bin/tool/helper.rs",
            "lib.rs",
        ] {
            assert!(!is_crate_root(Path::new(module)), "{module}");
        }
    }

    #[test]
    fn shares_are_balanced_by_size_and_hold_every_item_once() {
        let sizes = [90, 10, 50, 40, 30, 30];
        let split = shares(&sizes, 2);
        let totals: Vec<usize> = split
            .iter()
            .map(|share| share.iter().map(|&index| sizes[index]).sum())
            .collect();
        assert_eq!(totals, [130, 120]);
        let mut every: Vec<usize> = split.concat();
        every.sort_unstable();
        assert_eq!(every, [0, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn there_are_never_more_shares_than_items_nor_an_empty_one() {
        let sizes = [5, 7];
        assert_eq!(shares(&sizes, 8), [vec![1], vec![0]]);
        assert_eq!(shares(&sizes, 0), [vec![1, 0]]);
        assert!(shares(&[], 2).is_empty());
    }
}
