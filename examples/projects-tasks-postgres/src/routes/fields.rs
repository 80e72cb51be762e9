//! What the resources' bodies share: the bounds of text, and how a patch tells a field sent as
//! `null` from a field not sent.

use serde::{Deserialize, Deserializer};

use crate::error::ApiError;

/// 1 to `max` characters, not all whitespace (as `char::is_whitespace` says), no NUL: NUL is
/// refused in every text, since PostgreSQL cannot store it and SQLite's `length` stops at it.
pub fn string(field: &str, value: &str, max: usize) -> Result<(), ApiError> {
    if value.chars().all(char::is_whitespace) || value.chars().count() > max || value.contains('\0')
    {
        return Err(ApiError::Unprocessable(format!(
            "{field} must be 1 to {max} characters, not all whitespace, without NUL"
        )));
    }
    Ok(())
}

/// At most `max` characters, no NUL.
pub fn text(field: &str, value: &str, max: usize) -> Result<(), ApiError> {
    if value.chars().count() > max || value.contains('\0') {
        return Err(ApiError::Unprocessable(format!(
            "{field} must be at most {max} characters, without NUL"
        )));
    }
    Ok(())
}

/// An optional field of a patch: `Some(None)` when sent as `null` (clear it), `None` when not
/// sent (keep it).
pub fn present<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::deserialize(deserializer).map(Some)
}

/// A required field of a patch: `None` when not sent (keep it); `null` is refused, since the
/// field cannot be cleared.
pub fn required<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}
