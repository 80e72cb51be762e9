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
/// then, in a sorted list, `.` and its sort key (empty for `null`), which `parse_key` reads.
/// A cursor of another order is refused: it would skip or repeat items.
pub fn cursor(
    text: Option<&str>,
    parse_key: Option<impl Fn(&str) -> Option<SortKey>>,
) -> Result<Option<Cursor>, ApiError> {
    let text = match text {
        None | Some("") => return Ok(None),
        Some(text) => text,
    };
    let invalid = || ApiError::BadRequest("cursor must be a `next_cursor` of the same list".into());
    let (seq, key) = match text.split_once('.') {
        Some((seq, key)) => (seq, Some(key)),
        None => (text, None),
    };
    if seq.is_empty() || seq.len() > 18 || !seq.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    let seq = seq.parse().map_err(|_| invalid())?;
    let key = match (key, parse_key) {
        (None, None) => None,
        (Some(""), Some(_)) => Some(None),
        (Some(key), Some(parse)) => Some(Some(parse(key).ok_or_else(invalid)?)),
        _ => return Err(invalid()),
    };
    Ok(Some(Cursor { seq, key }))
}

/// The text of a cursor, as [`cursor`] reads it.
pub fn cursor_text(cursor: &Cursor) -> String {
    match &cursor.key {
        None => cursor.seq.to_string(),
        Some(None) => format!("{}.", cursor.seq),
        Some(Some(key)) => format!("{}.{key}", cursor.seq),
    }
}
