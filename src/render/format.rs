//! The generated Rust code, laid out by rustfmt: the templates say what the code is, and
//! rustfmt where its lines break, whatever the length of the names the user chose.

use std::fs;
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
    // rustfmt takes most of `authgate new`'s time, and one process uses one core: the files are
    // shared out, by size, among as many processes as there are cores.
    let jobs = std::thread::available_parallelism().map_or(1, usize::from);
    let sizes: Vec<usize> = rust.iter().map(|path| files[path].len()).collect();
    let mut runs = Vec::new();
    for share in shares(&sizes, jobs) {
        let child = Command::new(rustfmt())
            .args(["--edition", "2024"])
            .args(share.iter().map(|&index| &paths[index]))
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
                    return Ok(false);
                }
                return Err(e).context("running rustfmt");
            }
        }
    }
    // Every process is waited for before any failure is reported.
    let outputs: Vec<_> = runs
        .into_iter()
        .map(|child| child.wait_with_output().context("running rustfmt"))
        .collect();
    let outputs = outputs.into_iter().collect::<Result<Vec<_>>>()?;
    if let Some(output) = outputs.iter().find(|output| !output.status.success()) {
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
    use super::shares;

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
