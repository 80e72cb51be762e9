//! Every answers file in `examples/` renders, and the project it renders is checked in beside it
//! (`examples/<name>.toml` → `examples/<name>/`, `.authgate/` included), so that readers can
//! browse exactly what `authgate new` writes. Refresh with `UPDATE_EXAMPLES=1 cargo test --test examples`.

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use authgate::options::{Answers, NameSource, Options};
use authgate::project_files;
use support::files::contents;

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

#[test]
fn checked_in_examples_match_what_authgate_renders() {
    let update = std::env::var_os("UPDATE_EXAMPLES").is_some();
    let mut answer_files: Vec<PathBuf> = fs::read_dir(examples_dir())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    answer_files.sort();
    assert!(!answer_files.is_empty(), "examples/ holds no answers file");

    let mut stale = Vec::new();
    for answers_path in answer_files {
        let answers = Answers::from_file(&answers_path)
            .unwrap_or_else(|e| panic!("{}: {e}", answers_path.display()));
        let options = Options::from_answers(answers.or_defaults(), NameSource::AnswersFile)
            .unwrap_or_else(|e| panic!("{}: {e}", answers_path.display()));
        let rendered = project_files(&options).unwrap();
        let project_dir = answers_path.with_extension("");
        if update {
            let _ = fs::remove_dir_all(&project_dir);
            for (path, text) in &rendered {
                let target = project_dir.join(path);
                fs::create_dir_all(target.parent().unwrap()).unwrap();
                fs::write(target, text).unwrap();
            }
            continue;
        }
        // Compared as bytes: the rendered texts become bytes on disk as they are.
        let rendered: BTreeMap<PathBuf, Vec<u8>> = rendered
            .iter()
            .map(|(path, text)| (path.clone(), text.as_bytes().to_vec()))
            .collect();
        let on_disk = if project_dir.is_dir() {
            contents(&project_dir)
        } else {
            BTreeMap::new()
        };
        if on_disk != rendered {
            let differing: Vec<String> = rendered
                .keys()
                .chain(on_disk.keys())
                .filter(|path| rendered.get(*path) != on_disk.get(*path))
                .map(|path| path.display().to_string())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            stale.push(format!(
                "{}: {}",
                project_dir.display(),
                differing.join(", ")
            ));
        }
    }
    assert!(
        stale.is_empty(),
        "checked-in examples differ from the templates; run `UPDATE_EXAMPLES=1 cargo test --test examples`:\n{}",
        stale.join("\n")
    );
}
