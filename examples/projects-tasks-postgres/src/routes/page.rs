//! Pagination of every list: the page size and the cursor, `next_cursor` of the page before.

use crate::error::ApiError;
use crate::store::{Cursor, SortKey};

const DEFAULT_PAGE_SIZE: u32 = 20;
const MAX_PAGE_SIZE: u32 = 100;

/// The page size asked for, 1 to 100: none is 20, 0 is taken as 1, larger values as 100.
pub fn size(limit: Option<u32>) -> u32 {
    limit.unwrap_or(DEFAULT_PAGE_SIZE).clamp(1, MAX_PAGE_SIZE)
}

/// Reads a cursor: the insertion number of the last item of the page before (up to 18 digits),
/// then, in a sorted list, `.` and its sort key as a number (empty for `null`), which `key_at`
/// reads. Any text of that shape continues a list: a key is ignored where the list is not
/// sorted, and a missing one in a sorted list starts among the nulls.
pub fn cursor(
    text: Option<&str>,
    key_at: Option<impl Fn(i64) -> SortKey>,
) -> Result<Option<Cursor>, ApiError> {
    let text = match text {
        None | Some("") => return Ok(None),
        Some(text) => text,
    };
    let invalid = || ApiError::BadRequest("cursor must be a `next_cursor` of the same list".into());
    let digits = |text: &str| {
        let unsigned = text.strip_prefix('-').unwrap_or(text);
        !unsigned.is_empty() && unsigned.len() <= 18 && unsigned.bytes().all(|b| b.is_ascii_digit())
    };
    let (seq, key) = match text.split_once('.') {
        Some((seq, key)) => (seq, Some(key)),
        None => (text, None),
    };
    if !digits(seq) || seq.starts_with('-') {
        return Err(invalid());
    }
    let seq = seq.parse().map_err(|_| invalid())?;
    let key = match key {
        None | Some("") => None,
        Some(key) if digits(key) => Some(key.parse::<i64>().map_err(|_| invalid())?),
        Some(_) => return Err(invalid()),
    };
    Ok(Some(Cursor {
        seq,
        key: key_at.map(|key_at| key.map(key_at)),
    }))
}

/// The text of a cursor, as [`cursor`] reads it.
pub fn cursor_text(cursor: &Cursor) -> String {
    match &cursor.key {
        None => cursor.seq.to_string(),
        Some(None) => format!("{}.", cursor.seq),
        Some(Some(key)) => format!("{}.{}", cursor.seq, key.as_number()),
    }
}
