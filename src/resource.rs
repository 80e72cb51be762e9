//! The user's data model: resources, their fields, and which resource nests under which.
//!
//! A field is written `NAME:TYPE[?][=DEFAULT]` everywhere a user gives one: `--field` flags, the
//! wizard's equivalent command, and the `fields` of each `[[resources]]` entry in
//! `authgate.toml`. [`Field::parse`] reads that spec and [`Field`]'s `Display` writes it back, so
//! a recorded project round-trips. [`validate`] checks a whole model (names, parents, the names
//! each resource's generated code would take) before anything is rendered.

use std::collections::BTreeSet;
use std::fmt;

use heck::{ToSnakeCase, ToUpperCamelCase};
use serde::{Deserialize, Serialize};

use crate::error::UsageError;
use crate::options::{ResourceNames, validate_resource};

/// The default maximum of `string`, in characters.
pub const DEFAULT_STRING_MAX: u32 = 200;
/// The largest `N` of `string(N)`.
pub const MAX_STRING_MAX: u32 = 10_000;
/// The maximum of `text`, in characters.
pub const TEXT_MAX: u32 = 100_000;
/// The most fields a resource may have.
pub const MAX_FIELDS: usize = 64;
/// The most resources a project may have.
pub const MAX_RESOURCES: usize = 32;
/// The longest field name, in characters: a column, and part of index and constraint names,
/// which PostgreSQL truncates at 63 bytes.
pub const MAX_FIELD_NAME_LEN: usize = 40;
/// The most values an `enum` may have, and the longest value.
pub const MAX_ENUM_VALUES: usize = 64;
pub const MAX_ENUM_VALUE_LEN: usize = 64;

/// The fields a resource gets when none is given: those of every project before fields could be
/// chosen, so that existing answers files stay valid.
pub const DEFAULT_FIELDS: &[&str] = &[
    "title:string",
    "description:string(2000)?",
    "completed:bool=false",
];

/// The type of a field, as written after its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldType {
    /// 1 to `max` characters, not all whitespace.
    String {
        max: u32,
    },
    /// Up to [`TEXT_MAX`] characters, possibly empty.
    Text,
    Bool,
    /// A signed 64-bit integer.
    Int,
    /// A finite 64-bit float.
    Float,
    /// An ISO 8601 calendar date, `2025-01-31`.
    Date,
    /// An RFC 3339 date and time, stored in UTC.
    Datetime,
    Uuid,
    /// One of these values, in the order given.
    Enum(Vec<String>),
}

impl FieldType {
    /// The spec's name of the type, without its parameters: `string`, `enum`, ...
    pub fn kind(&self) -> &'static str {
        match self {
            FieldType::String { .. } => "string",
            FieldType::Text => "text",
            FieldType::Bool => "bool",
            FieldType::Int => "int",
            FieldType::Float => "float",
            FieldType::Date => "date",
            FieldType::Datetime => "datetime",
            FieldType::Uuid => "uuid",
            FieldType::Enum(_) => "enum",
        }
    }

    /// Lists filter on it by equality (`?done=true`).
    pub fn filterable(&self) -> bool {
        matches!(self, FieldType::Bool | FieldType::Enum(_) | FieldType::Uuid)
    }

    /// Lists sort on it (`?sort=due`, `?sort=-due`).
    pub fn sortable(&self) -> bool {
        matches!(self, FieldType::Int | FieldType::Date | FieldType::Datetime)
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldType::String { max } if *max == DEFAULT_STRING_MAX => f.write_str("string"),
            FieldType::String { max } => write!(f, "string({max})"),
            FieldType::Enum(values) => write!(f, "enum({})", values.join("|")),
            other => f.write_str(other.kind()),
        }
    }
}

/// One field of a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// snake_case: the JSON member and the column.
    pub name: String,
    pub ty: FieldType,
    /// `?`: the field may be `null`, and is when not given.
    pub optional: bool,
    /// `=VALUE`: what a new item gets when the field is not given, in its canonical text
    /// (a datetime in UTC, `2025-01-31T09:00:00Z`).
    pub default: Option<String>,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.name, self.ty)?;
        if self.optional {
            f.write_str("?")?;
        }
        if let Some(default) = &self.default {
            write!(f, "={default}")?;
        }
        Ok(())
    }
}

/// The spec's types, as written in a spec, with what each holds (the wizard's list).
pub const TYPE_CHOICES: &[(&str, &str)] = &[
    ("string", "1 to 200 characters, not all whitespace"),
    ("string(N)", "1 to N characters, N up to 10000"),
    ("text", "up to 100000 characters, possibly empty"),
    ("bool", "true or false"),
    ("int", "a 64-bit integer"),
    ("float", "a finite 64-bit number"),
    ("date", "an ISO 8601 date: 2025-01-31"),
    ("datetime", "an RFC 3339 date and time, stored in UTC"),
    ("uuid", "a UUID"),
    ("enum(a|b|c)", "one of the values you list"),
];

/// The spec's types, for messages: `string, string(N), text, ...`.
fn types() -> String {
    let names: Vec<&str> = TYPE_CHOICES.iter().map(|(name, _)| *name).collect();
    names.join(", ")
}

fn field_error(message: String) -> UsageError {
    UsageError::InvalidField(message)
}

impl Field {
    /// Parses `NAME:TYPE[?][=DEFAULT]`, checking the name's form, the type and the default (the
    /// names a resource reserves are checked by [`validate`]).
    pub fn parse(spec: &str) -> Result<Field, UsageError> {
        let Some((name, rest)) = spec.split_once(':') else {
            return Err(field_error(format!(
                "--field `{spec}` has no type; write NAME:TYPE, e.g. `--field title:string` \
                 (types: {})",
                types()
            )));
        };
        check_field_name(name).map_err(|problem| problem.in_spec(spec))?;
        let (type_text, rest) = split_type(rest);
        let (optional, default) = match rest.strip_prefix('?') {
            Some(rest) => (true, rest),
            None => (false, rest),
        };
        let default = match default {
            "" => None,
            text => match text.strip_prefix('=') {
                Some(value) => Some(value),
                None => {
                    return Err(field_error(format!(
                        "--field `{spec}`: unexpected `{text}` after the type; write \
                         NAME:TYPE[?][=DEFAULT], e.g. `--field done:bool=false`"
                    )));
                }
            },
        };
        let ty = parse_type(type_text).map_err(|problem| problem.in_spec(spec))?;
        let default = default
            .map(|value| canonical_default(name, &ty, value))
            .transpose()
            .map_err(|problem| problem.in_spec(spec))?;
        Ok(Field {
            name: name.to_owned(),
            ty,
            optional,
            default,
        })
    }
}

/// Splits `enum(a|b)?=a` into `enum(a|b)` and `?=a`: a type ends at its closing parenthesis, or
/// else at the first `?` or `=`.
fn split_type(rest: &str) -> (&str, &str) {
    if let Some(open) = rest.find('(')
        && !rest[..open].contains(['?', '='])
    {
        return match rest[open..].find(')') {
            Some(close) => rest.split_at(open + close + 1),
            None => (rest, ""),
        };
    }
    match rest.find(['?', '=']) {
        Some(end) => rest.split_at(end),
        None => (rest, ""),
    }
}

/// Why a part of a field spec is refused, worded without the spec (the wizard shows it under
/// its own prompt; [`Field::parse`] prefixes `--field `SPEC`: `), and the answer to offer
/// instead when one can be computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub message: String,
    pub fix: Option<String>,
}

impl Problem {
    fn new(message: String) -> Problem {
        Problem { message, fix: None }
    }

    /// The error for `--field SPEC`.
    fn in_spec(self, spec: &str) -> UsageError {
        field_error(format!("--field `{spec}`: {}", self.message))
    }
}

fn is_snake_case(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Checks the form of a field name: a snake_case identifier that can name a column and a Rust
/// field (the names a resource reserves are checked by [`check_field_in`]).
pub fn check_field_name(name: &str) -> Result<(), Problem> {
    if !is_snake_case(name) {
        let suggestion = name.to_snake_case();
        let fix = (is_snake_case(&suggestion) && suggestion != name).then_some(suggestion);
        let hint = match &fix {
            Some(fix) => format!("; write `{fix}`"),
            None => "; e.g. `due_date`".to_owned(),
        };
        return Err(Problem {
            message: format!(
                "the name `{name}` must be snake_case (lowercase ASCII letters, digits and `_`, \
                 starting with a letter){hint}"
            ),
            fix,
        });
    }
    if name.len() > MAX_FIELD_NAME_LEN {
        return Err(Problem::new(format!(
            "the name is longer than {MAX_FIELD_NAME_LEN} characters (it names a column); \
             choose a shorter one"
        )));
    }
    // Keywords that cannot be raw identifiers (`r#self` is not allowed).
    if ["self", "super", "crate"].contains(&name) {
        return Err(Problem::new(format!(
            "`{name}` cannot name a field in Rust, even as a raw identifier; choose another name"
        )));
    }
    Ok(())
}

/// Checks that a field named `name` can join the fields of the resource `resource` (`parent_key`:
/// its key to its parent, `project_id`): not a name every item or list reserves, not one it has.
pub fn check_field_in(
    resource: &str,
    parent_key: Option<&str>,
    fields: &[Field],
    name: &str,
) -> Result<(), Problem> {
    if RESERVED_FIELDS.contains(&name) || parent_key == Some(name) {
        return Err(Problem::new(format!(
            "`{name}` is reserved in `{resource}` (every item has `id`, `owner_id`, \
             `created_at` and `updated_at`{}; lists take `limit`, `cursor` and `sort`); rename \
             the field",
            parent_key
                .map(|key| format!(", and `{key}` for its parent"))
                .unwrap_or_default()
        )));
    }
    if fields.iter().any(|f| f.name == name) {
        return Err(Problem::new(format!(
            "`{resource}` already has a field `{name}`; remove one or rename it"
        )));
    }
    Ok(())
}

/// Parses a field's type as written in a spec: `string`, `string(120)`, `enum(a|b)`, ...
pub fn parse_type(text: &str) -> Result<FieldType, Problem> {
    let unknown = || Problem::new(format!("unknown type `{text}`; the types are {}", types()));
    let simple = match text {
        "string" => Some(FieldType::String {
            max: DEFAULT_STRING_MAX,
        }),
        "text" => Some(FieldType::Text),
        "bool" => Some(FieldType::Bool),
        "int" => Some(FieldType::Int),
        "float" => Some(FieldType::Float),
        "date" => Some(FieldType::Date),
        "datetime" => Some(FieldType::Datetime),
        "uuid" => Some(FieldType::Uuid),
        _ => None,
    };
    if let Some(ty) = simple {
        return Ok(ty);
    }
    let Some((kind, inner)) = text.strip_suffix(')').and_then(|text| text.split_once('(')) else {
        return Err(unknown());
    };
    match kind {
        "string" => {
            let max = inner
                .parse::<u32>()
                .ok()
                .filter(|max| (1..=MAX_STRING_MAX).contains(max))
                .ok_or_else(|| {
                    Problem::new(format!(
                        "string(N) takes a maximum N from 1 to {MAX_STRING_MAX} characters; for \
                         longer text use `text` (up to {TEXT_MAX})"
                    ))
                })?;
            Ok(FieldType::String { max })
        }
        "enum" => parse_enum(inner),
        _ => Err(unknown()),
    }
}

fn parse_enum(inner: &str) -> Result<FieldType, Problem> {
    let values: Vec<String> = inner.split('|').map(str::to_owned).collect();
    let example = "e.g. `enum(low|normal|high)`";
    if inner.is_empty() || values.len() > MAX_ENUM_VALUES {
        return Err(Problem::new(format!(
            "an enum takes 1 to {MAX_ENUM_VALUES} values separated by `|`, {example}"
        )));
    }
    let mut variants = BTreeSet::new();
    for value in &values {
        let valid = value.starts_with(|c: char| c.is_ascii_alphabetic())
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            && value.len() <= MAX_ENUM_VALUE_LEN;
        if !valid {
            return Err(Problem::new(format!(
                "the enum value `{value}` must start with a letter and hold only ASCII letters, \
                 digits, `_` and `-` (at most {MAX_ENUM_VALUE_LEN}), {example}"
            )));
        }
        if !variants.insert(value.to_upper_camel_case()) {
            return Err(Problem::new(format!(
                "the enum value `{value}` repeats another (values that differ only in case, `-` \
                 or `_` are the same Rust variant); remove one"
            )));
        }
    }
    Ok(FieldType::Enum(values))
}

/// The default `value` of the field `name` in its canonical text, or why it does not fit the
/// type.
pub fn canonical_default(name: &str, ty: &FieldType, value: &str) -> Result<String, Problem> {
    let wrong = |expected: &str| {
        Problem::new(format!(
            "the default `{value}` is not {expected}; fix the default of `{name}` or remove \
             `={value}`"
        ))
    };
    match ty {
        FieldType::String { max } => {
            let chars = value.chars().count();
            if chars == 0
                || chars > *max as usize
                || value.chars().all(char::is_whitespace)
                || value.contains('\0')
            {
                return Err(wrong(&format!("1 to {max} characters, not all whitespace")));
            }
            Ok(value.to_owned())
        }
        FieldType::Text => {
            if value.chars().count() > TEXT_MAX as usize || value.contains('\0') {
                return Err(wrong(&format!("at most {TEXT_MAX} characters")));
            }
            Ok(value.to_owned())
        }
        FieldType::Bool => match value {
            "true" | "false" => Ok(value.to_owned()),
            _ => Err(wrong("`true` or `false`")),
        },
        FieldType::Int => value
            .parse::<i64>()
            .map(|n| n.to_string())
            .map_err(|_| wrong("an integer (64-bit)")),
        FieldType::Float => value
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .map(|x| format!("{x:?}"))
            .ok_or_else(|| wrong("a finite number, e.g. `1.5`")),
        FieldType::Date => chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
            .map(|date| date.format("%Y-%m-%d").to_string())
            .map_err(|_| wrong("an ISO 8601 date, e.g. `2025-01-31`")),
        FieldType::Datetime => chrono::DateTime::parse_from_rfc3339(value)
            .map(|time| {
                time.with_timezone(&chrono::Utc)
                    .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
            })
            .map_err(|_| wrong("an RFC 3339 date and time, e.g. `2025-01-31T09:00:00Z`")),
        FieldType::Uuid => {
            let hex = value.replace('-', "");
            let shaped = value.len() == 36
                && [8, 13, 18, 23].iter().all(|&i| value.as_bytes()[i] == b'-')
                && hex.len() == 32
                && hex.bytes().all(|b| b.is_ascii_hexdigit());
            if shaped {
                Ok(value.to_ascii_lowercase())
            } else {
                Err(wrong("a UUID, e.g. `67e55044-10b1-426f-9247-bb680e5fe0c8`"))
            }
        }
        FieldType::Enum(values) => {
            if values.iter().any(|v| v == value) {
                Ok(value.to_owned())
            } else {
                Err(wrong(&format!(
                    "one of the enum's values ({})",
                    values.join(", ")
                )))
            }
        }
    }
}

/// A resource as recorded in `authgate.toml` (`[[resources]]`) and given in an answers file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceSpec {
    /// A plural noun: `tasks`, `blog-posts`.
    pub name: String,
    /// The resource it nests under: `projects` for `/projects/{project_id}/tasks`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// `NAME:TYPE[?][=DEFAULT]` each; none: [`DEFAULT_FIELDS`].
    #[serde(default)]
    pub fields: Vec<String>,
    /// The version (timestamp) of its migration, `20250101000000`; absent: its place in the
    /// list after 20250101000000 (what `authgate new` writes). `authgate add resource` records
    /// the time it ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub migration: Option<String>,
}

/// A validated resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// Plural kebab-case: `blog-posts`.
    pub name: String,
    /// The plural kebab-case name of its parent.
    pub parent: Option<String>,
    pub fields: Vec<Field>,
    /// The migration's version: 14 digits.
    pub migration: String,
}

impl Resource {
    pub fn names(&self) -> ResourceNames {
        ResourceNames::new(&self.name)
    }

    /// The column and JSON member of a child's key to this resource: `project_id`.
    pub fn key(&self) -> String {
        parent_key(&self.name)
    }

    /// The path of its list (and create) route: `/api/{user_id}/projects/{project_id}/tasks`,
    /// without `/{user_id}` when routes are scoped by the token alone.
    pub fn collection_route(&self, user_in_path: bool) -> String {
        let mut path = String::from("/api");
        if user_in_path {
            path.push_str("/{user_id}");
        }
        if let Some(parent) = &self.parent {
            path.push_str(&format!("/{parent}/{{{}}}", parent_key(parent)));
        }
        path.push('/');
        path.push_str(&self.name);
        path
    }

    /// The path of one item's routes: the collection's, then `/{id}`.
    pub fn item_route(&self, user_in_path: bool) -> String {
        format!("{}/{{id}}", self.collection_route(user_in_path))
    }

    /// Back to what `authgate.toml` records.
    pub fn spec(&self) -> ResourceSpec {
        ResourceSpec {
            name: self.name.clone(),
            parent: self.parent.clone(),
            fields: self.fields.iter().map(Field::to_string).collect(),
            migration: Some(self.migration.clone()),
        }
    }
}

/// The migration version of the resource at `index` when none is recorded.
pub fn default_migration(index: usize) -> String {
    format!("{}", 20250101000000u64 + index as u64)
}

/// The version of a new resource's migration: the UTC time `unix_seconds` as 14 digits
/// (`YYYYMMDDHHMMSS`), or, when that is not later than every version already `taken` (recorded
/// in `authgate.toml` or found in `migrations/`), one second after the latest. sqlx applies
/// migrations in the order of their versions, so a new one must sort last.
pub fn next_migration(unix_seconds: i64, taken: &[u64]) -> Result<String, UsageError> {
    const FORMAT: &str = "%Y%m%d%H%M%S";
    let now = chrono::DateTime::from_timestamp(unix_seconds, 0)
        .unwrap_or_default()
        .format(FORMAT)
        .to_string();
    let Some(&latest) = taken.iter().max() else {
        return Ok(now);
    };
    if now.parse::<u64>().is_ok_and(|now| now > latest) {
        return Ok(now);
    }
    // One second later, as a time when the latest version is one; else the next number.
    let next = chrono::NaiveDateTime::parse_from_str(&latest.to_string(), FORMAT)
        .ok()
        .and_then(|time| time.checked_add_signed(chrono::TimeDelta::seconds(1)))
        .map(|time| time.format(FORMAT).to_string())
        .unwrap_or_else(|| (latest + 1).to_string());
    if next.len() != 14 {
        return Err(UsageError::InvalidResource(format!(
            "`migrations/` holds the version {latest}, after which no 14-digit version \
             (YYYYMMDDHHMMSS) sorts; rename that migration to a date and time, then run again"
        )));
    }
    Ok(next)
}

/// The key of a child to its parent `parent` (a validated plural): `projects` → `project_id`.
pub fn parent_key(parent: &str) -> String {
    format!("{}_id", ResourceNames::new(parent).singular_snake)
}

/// The names no field may take: the columns every row has and the list's own parameters.
const RESERVED_FIELDS: &[&str] = &[
    "id",
    "owner_id",
    "created_at",
    "updated_at",
    "seq",
    "limit",
    "cursor",
    "sort",
];

/// Validates a whole model: every resource's name, fields and parent, in order (a parent comes
/// before its children; nesting is one level deep), and the type names their code would take.
pub fn validate(specs: &[ResourceSpec]) -> Result<Vec<Resource>, UsageError> {
    let invalid = |message: String| Err(UsageError::InvalidResource(message));
    if specs.is_empty() {
        return invalid("there must be at least one resource; pass --resource tasks".into());
    }
    if specs.len() > MAX_RESOURCES {
        return invalid(format!(
            "{} resources is more than {MAX_RESOURCES}; split the API",
            specs.len()
        ));
    }
    let mut resources: Vec<Resource> = Vec::new();
    let mut type_names: BTreeSet<String> = BTreeSet::new();
    for (index, spec) in specs.iter().enumerate() {
        let name = validate_resource(&spec.name)?;
        let names = ResourceNames::new(&name);
        if resources
            .iter()
            .any(|r| r.names().plural_snake == names.plural_snake)
        {
            return invalid(format!(
                "the resource `{name}` already exists; choose another name"
            ));
        }
        let parent = match &spec.parent {
            None => None,
            Some(parent) => {
                let parent_name = validate_resource(parent)?;
                let Some(found) = resources.iter().find(|r| r.name == parent_name) else {
                    let known: Vec<&str> = resources.iter().map(|r| r.name.as_str()).collect();
                    let choices = if known.is_empty() {
                        "none is declared before it".to_owned()
                    } else {
                        format!("declared before it: {}", known.join(", "))
                    };
                    return invalid(format!(
                        "the parent `{parent}` of `{name}` does not exist ({choices}); create it \
                         first, or pass one of those"
                    ));
                };
                if let Some(grandparent) = &found.parent {
                    return invalid(format!(
                        "`{name}` cannot nest under `{parent_name}`, which already nests under \
                         `{grandparent}`: nesting is one level deep; pass --parent \
                         {grandparent}, or no parent"
                    ));
                }
                Some(parent_name)
            }
        };
        let parent_key = parent.as_deref().map(parent_key);
        let texts: Vec<&str> = if spec.fields.is_empty() {
            DEFAULT_FIELDS.to_vec()
        } else {
            spec.fields.iter().map(String::as_str).collect()
        };
        if texts.len() > MAX_FIELDS {
            return invalid(format!(
                "`{name}` has {} fields, more than {MAX_FIELDS}; split it into resources",
                texts.len()
            ));
        }
        let mut fields: Vec<Field> = Vec::new();
        for text in texts {
            let field = Field::parse(text)?;
            check_field_in(&name, parent_key.as_deref(), &fields, &field.name)
                .map_err(|problem| problem.in_spec(text))?;
            fields.push(field);
        }
        let migration = match &spec.migration {
            Some(version) if version.len() == 14 && version.bytes().all(|b| b.is_ascii_digit()) => {
                version.clone()
            }
            Some(version) => {
                return invalid(format!(
                    "the migration `{version}` of `{name}` is not a 14-digit version such as \
                     20250101000000; fix it in authgate.toml"
                ));
            }
            None => default_migration(index),
        };
        let resource = Resource {
            name,
            parent,
            fields,
            migration,
        };
        for type_name in type_names_of(&resource) {
            if !type_names.insert(type_name.clone()) {
                return invalid(format!(
                    "`{}` would generate the type `{type_name}`, which another resource or field \
                     already takes; rename the resource or the field",
                    resource.name
                ));
            }
        }
        resources.push(resource);
    }
    Ok(resources)
}

/// The Rust type names a resource's code declares: its record, bodies, page, list parameters
/// and one enum per `enum` field.
pub fn type_names_of(resource: &Resource) -> Vec<String> {
    let s = resource.names().singular_pascal;
    let mut names = vec![
        s.clone(),
        format!("New{s}"),
        format!("Replace{s}"),
        format!("Patch{s}"),
        format!("{s}Changes"),
        format!("{s}Page"),
        format!("{s}Params"),
        format!("{s}Sort"),
        format!("{s}Fields"),
        format!("{s}Filter"),
        format!("{s}Order"),
    ];
    names.extend(
        resource
            .fields
            .iter()
            .filter(|field| matches!(field.ty, FieldType::Enum(_)))
            .map(|field| enum_type_name(resource, field)),
    );
    names
}

/// The Rust enum of an `enum` field: `TaskPriority`.
pub fn enum_type_name(resource: &Resource, field: &Field) -> String {
    format!(
        "{}{}",
        resource.names().singular_pascal,
        field.name.to_upper_camel_case()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, parent: Option<&str>, fields: &[&str]) -> ResourceSpec {
        ResourceSpec {
            name: name.to_owned(),
            parent: parent.map(str::to_owned),
            fields: fields.iter().map(|f| (*f).to_owned()).collect(),
            migration: None,
        }
    }

    #[test]
    fn specs_round_trip() {
        for text in [
            "title:string",
            "name:string(120)",
            "archived:bool=false",
            "due:date?",
            "priority:enum(low|normal|high)=normal",
            "body:text?",
            "count:int=-3",
            "ratio:float=1.5",
            "at:datetime?=2025-01-31T09:00:00Z",
            "ref:uuid?",
            "type:string",
        ] {
            assert_eq!(Field::parse(text).unwrap().to_string(), text);
        }
        assert_eq!(
            Field::parse("at:datetime=2025-01-31T10:00:00+01:00")
                .unwrap()
                .default
                .as_deref(),
            Some("2025-01-31T09:00:00Z")
        );
        assert_eq!(
            Field::parse("n:string(200)").unwrap().to_string(),
            "n:string"
        );
        let field = Field::parse("priority:enum(low|normal|high)?=normal").unwrap();
        assert_eq!(
            field.ty,
            FieldType::Enum(vec!["low".into(), "normal".into(), "high".into()])
        );
        assert!(field.optional);
    }

    #[test]
    fn bad_specs_are_refused_with_a_fix() {
        for (text, expected) in [
            ("title", "has no type"),
            ("Title:string", "write `title`"),
            ("dueDate:date", "write `due_date`"),
            ("title:str", "unknown type `str`"),
            ("title:string(0)", "from 1 to 10000"),
            ("title:string(10001)", "use `text`"),
            ("done:bool=yes", "is not `true` or `false`"),
            ("n:int=1.5", "is not an integer"),
            ("x:float=NaN", "is not a finite number"),
            ("d:date=2025-02-30", "is not an ISO 8601 date"),
            ("t:datetime=yesterday", "is not an RFC 3339"),
            ("u:uuid=123", "is not a UUID"),
            ("p:enum(a|b)=c", "one of the enum's values"),
            ("p:enum()", "1 to 64 values"),
            ("p:enum(a|A)", "repeats another"),
            ("p:enum(1st)", "must start with a letter"),
            ("self:string", "even as a raw identifier"),
            ("title:string!", "unknown type `string!`"),
            ("title:string?x", "unexpected `x`"),
            ("title:string= ", "not all whitespace"),
        ] {
            let err = Field::parse(text).unwrap_err().to_string();
            assert!(err.contains(expected), "{text}: {err}");
        }
    }

    #[test]
    fn a_new_migration_sorts_after_every_other() {
        // 2025-06-01T12:00:00Z
        let now = 1_748_779_200;
        for (taken, expected) in [
            (&[][..], "20250601120000"),
            (&[20250101000000, 20250101000001], "20250601120000"),
            // Not later than the latest: one second after it, carried as a time.
            (&[20250601120000], "20250601120001"),
            (&[20261231235959, 7], "20270101000000"),
            // A version that is not a time: the next number.
            (&[20990101000099], "20990101000100"),
        ] {
            assert_eq!(next_migration(now, taken).unwrap(), expected, "{taken:?}");
        }
        let err = next_migration(now, &[99999999999999]).unwrap_err();
        assert!(err.to_string().contains("rename that migration"), "{err}");
    }

    #[test]
    fn models_are_validated_whole() {
        let resources = validate(&[
            spec("projects", None, &["name:string(120)"]),
            spec("tasks", Some("projects"), &["title:string"]),
        ])
        .unwrap();
        assert_eq!(resources[1].parent.as_deref(), Some("projects"));
        assert_eq!(resources[0].migration, "20250101000000");
        assert_eq!(resources[1].migration, "20250101000001");
        assert_eq!(resources[0].key(), "project_id");
        let defaults = validate(&[spec("tasks", None, &[])]).unwrap();
        assert_eq!(defaults[0].fields.len(), 3);

        for (specs, expected) in [
            (vec![spec("tasks", None, &["id:uuid"])], "`id` is reserved"),
            (
                vec![spec("tasks", None, &["sort:int"])],
                "`sort` is reserved",
            ),
            (
                vec![
                    spec("projects", None, &[]),
                    spec("tasks", Some("projects"), &["project_id:uuid"]),
                ],
                "`project_id` for its parent",
            ),
            (
                vec![spec("tasks", None, &["a:int", "a:bool"])],
                "already has a field `a`",
            ),
            (
                vec![spec("tasks", Some("projects"), &[])],
                "the parent `projects` of `tasks` does not exist",
            ),
            (
                vec![spec("tasks", None, &[]), spec("tasks", None, &[])],
                "already exists",
            ),
            (
                vec![
                    spec("orgs", None, &[]),
                    spec("projects", Some("orgs"), &[]),
                    spec("tasks", Some("projects"), &[]),
                ],
                "nesting is one level deep",
            ),
            (
                vec![spec("tasks", None, &["page:enum(a|b)"])],
                "the type `TaskPage`",
            ),
        ] {
            let err = validate(&specs).unwrap_err().to_string();
            assert!(err.contains(expected), "{specs:?}: {err}");
        }
        let many: Vec<String> = (0..=MAX_FIELDS).map(|i| format!("f{i}:int")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let err = validate(&[spec("tasks", None, &many)]).unwrap_err();
        assert!(err.to_string().contains("more than 64"), "{err}");
    }
}
