//! Three-way merge of one file's text: what authgate last wrote (the base), what the user has now
//! (theirs in git's words, "yours" here) and what authgate renders now.
//!
//! Built on `diffy`'s line merge. Conflicts are written in git's diff3 style, labelled for the
//! reader: `<<<<<<< yours`, `||||||| authgate (before)`, `=======`, `>>>>>>> authgate (now)`.

/// The outcome of a merge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Merged {
    /// Both sides' changes applied; no conflict.
    Clean(String),
    /// Overlapping changes, marked in the text.
    Conflicted(String),
}

const OURS: &str = "<<<<<<< ours";
const ORIGINAL: &str = "||||||| original";
const THEIRS: &str = ">>>>>>> theirs";

/// The labelled markers written into a conflicted file.
pub const YOURS_MARKER: &str = "<<<<<<< yours";
pub const BASE_MARKER: &str = "||||||| authgate (before)";
pub const AUTHGATE_MARKER: &str = ">>>>>>> authgate (now)";

/// Merges `yours` (the file on disk) and `now` (authgate's new rendering) against `base` (what
/// authgate last wrote). Texts are `\n`-separated.
pub fn three_way(base: &str, yours: &str, now: &str) -> Merged {
    if yours == base || yours == now {
        return Merged::Clean(now.to_owned());
    }
    if now == base {
        return Merged::Clean(yours.to_owned());
    }
    match diffy::merge(base, yours, now) {
        Ok(text) => Merged::Clean(text),
        Err(text) => Merged::Conflicted(label_markers(&text)),
    }
}

/// Replaces diffy's marker lines (`<<<<<<< ours` ...) by ones that say who wrote what.
fn label_markers(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    for line in text.split_inclusive('\n') {
        let (content, end) = match line.strip_suffix('\n') {
            Some(content) => (content, "\n"),
            None => (line, ""),
        };
        let replaced = match content {
            OURS => YOURS_MARKER,
            ORIGINAL => BASE_MARKER,
            THEIRS => AUTHGATE_MARKER,
            other => other,
        };
        out.push_str(replaced);
        out.push_str(end);
    }
    out
}

/// Whether `text` holds a conflict marker line (ours, or git's own), i.e. a merge the user has
/// not resolved yet.
pub fn has_conflict_markers(text: &str) -> bool {
    text.lines().any(|line| {
        let bytes = line.as_bytes();
        let marker = |c: u8| bytes.len() >= 7 && bytes[..7].iter().all(|&b| b == c);
        (marker(b'<') || marker(b'>')) && matches!(bytes.get(7), None | Some(b' '))
    })
}

/// A text file as read from disk: its lines joined with `\n`, and whether they were joined with
/// `\r\n` there, so that a file checked out with Windows line endings is merged line by line and
/// written back the way it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskText {
    pub text: String,
    pub crlf: bool,
}

impl DiskText {
    pub fn new(raw: String) -> DiskText {
        if raw.contains("\r\n") {
            DiskText {
                text: raw.replace("\r\n", "\n"),
                crlf: true,
            }
        } else {
            DiskText {
                text: raw,
                crlf: false,
            }
        }
    }

    /// `text` with this file's line endings.
    pub fn restore_endings(&self, text: &str) -> String {
        if self.crlf {
            text.replace('\n', "\r\n")
        } else {
            text.to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "a\nb\nc\nd\ne\nf\ng\n";

    #[test]
    fn untouched_takes_the_new_text() {
        let now = "a\nB\nc\nd\ne\nf\ng\n";
        assert_eq!(three_way(BASE, BASE, now), Merged::Clean(now.to_owned()));
    }

    #[test]
    fn an_unchanged_rendering_keeps_the_users_text() {
        let yours = "a\nb\nc\nmine\ne\nf\ng\n";
        assert_eq!(
            three_way(BASE, yours, BASE),
            Merged::Clean(yours.to_owned())
        );
    }

    #[test]
    fn separate_edits_merge_cleanly() {
        let yours = "a\nb\nc\nd\ne\nf\nmine\n";
        let now = "A\nb\nc\nd\ne\nf\ng\n";
        assert_eq!(
            three_way(BASE, yours, now),
            Merged::Clean("A\nb\nc\nd\ne\nf\nmine\n".to_owned())
        );
    }

    #[test]
    fn the_same_edit_on_both_sides_is_clean() {
        let both = "a\nb\nX\nd\ne\nf\ng\n";
        assert_eq!(three_way(BASE, both, both), Merged::Clean(both.to_owned()));
    }

    #[test]
    fn overlapping_edits_conflict_with_labelled_markers() {
        let yours = "a\nb\nmine\nd\ne\nf\ng\n";
        let now = "a\nb\nnew\nd\ne\nf\ng\n";
        let Merged::Conflicted(text) = three_way(BASE, yours, now) else {
            panic!("expected a conflict")
        };
        assert_eq!(
            text,
            "a\nb\n<<<<<<< yours\nmine\n||||||| authgate (before)\nc\n=======\nnew\n\
             >>>>>>> authgate (now)\nd\ne\nf\ng\n"
        );
        assert!(has_conflict_markers(&text));
    }

    #[test]
    fn conflict_markers_are_recognised_only_as_whole_markers() {
        assert!(has_conflict_markers("x\n<<<<<<< HEAD\ny\n"));
        assert!(has_conflict_markers(">>>>>>>\n"));
        assert!(!has_conflict_markers("a <<<<<<< b\n"));
        assert!(!has_conflict_markers("<<<<<<<<<< x\n"));
        assert!(!has_conflict_markers("let x = a << b;\n"));
    }

    #[test]
    fn windows_line_endings_round_trip() {
        let disk = DiskText::new("a\r\nb\r\n".to_owned());
        assert_eq!(disk.text, "a\nb\n");
        assert_eq!(disk.restore_endings("a\nc\n"), "a\r\nc\r\n");
        let unix = DiskText::new("a\nb\n".to_owned());
        assert_eq!(unix.restore_endings("a\n"), "a\n");
    }
}
