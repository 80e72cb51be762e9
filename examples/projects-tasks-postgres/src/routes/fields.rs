//! What the resources' bodies share: the bounds of text, and how a patch tells a field sent as
//! `null` from a field not sent.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};

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

/// A whole number in a body, as JSON Schema's `integer` has it: `3`, or `3.0`; within 64 bits.
/// (Written as the number, for the defaults the API document shows.)
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(transparent)]
pub struct Int(pub i64);

impl From<Int> for i64 {
    fn from(Int(n): Int) -> Self {
        n
    }
}

impl<'de> Deserialize<'de> for Int {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        /// 2^63: the first float beyond an `i64`.
        const LIMIT: f64 = 9_223_372_036_854_775_808.0;
        let number = serde_json::Number::deserialize(deserializer)?;
        number
            .as_i64()
            .or_else(|| {
                number
                    .as_f64()
                    .filter(|x| x.fract() == 0.0 && (-LIMIT..LIMIT).contains(x))
                    .map(|x| x as i64)
            })
            .map(Int)
            .ok_or_else(|| {
                D::Error::custom(format!(
                    "invalid value: {number}, expected a whole number within 64 bits"
                ))
            })
    }
}
