//! What the templates see of the user's resources and fields: every name, type, column, check,
//! default and sample value, computed here so that templates only print them.

use heck::ToUpperCamelCase;
use serde::Serialize;

use crate::options::ResourceNames;
use crate::resource::{Field, FieldType, Resource, TEXT_MAX, enum_type_name};

/// One resource, as the templates see it.
#[derive(Debug, Clone, Serialize)]
pub struct ResourceContext {
    /// Every casing of its name, at the top level (`resource.plural_snake`).
    #[serde(flatten)]
    pub names: ResourceNames,
    /// The version of its migration: `20250101000000`.
    pub migration: String,
    /// The column and JSON member that names one of these as a parent: `project_id`.
    pub key: String,
    pub parent: Option<ParentContext>,
    /// The resources nested under this one.
    pub children: Vec<ParentContext>,
    pub fields: Vec<FieldContext>,
    /// Some field is a `string` or `text`, whose bounds the routes check.
    pub checked: bool,
    /// Fields that lists filter on by equality.
    pub filters: Vec<FieldContext>,
    /// Fields that lists sort on, besides `created_at`.
    pub sorts: Vec<FieldContext>,
    /// Some field is an `enum`.
    pub has_enum: bool,
    /// The Rust types its store module uses: `NaiveDate`, `Uuid`, ... (a record always has an
    /// id, `DateTime<Utc>` timestamps).
    pub uses_date: bool,
    /// A field that is optional (`?`): patches tell `null` from absent.
    pub has_optional: bool,
    /// A required field: patches refuse `null` for it.
    pub has_required: bool,
    /// A field that is a `datetime`.
    pub has_datetime_field: bool,
    /// A JSON object with a valid value for every field (Rust `json!` syntax), and another
    /// one with different values: bodies for the generated tests.
    pub sample: String,
    pub other: String,
    /// A JSON object with only the fields a new item must have.
    pub minimal: String,
    /// A required `string` or `text` field, whose value tells items apart in the tests.
    pub label: Option<FieldContext>,
}

/// A resource's parent or child, by name.
#[derive(Debug, Clone, Serialize)]
pub struct ParentContext {
    #[serde(flatten)]
    pub names: ResourceNames,
    /// The child's column naming the parent: `project_id`.
    pub key: String,
    /// A valid body for a new one (Rust `json!` syntax).
    pub sample: String,
}

/// One field, as the templates see it.
#[derive(Debug, Clone, Serialize)]
pub struct FieldContext {
    /// The JSON member and the column: `due`.
    pub name: String,
    /// The Rust field: `due`, or `r#type` for a keyword.
    pub rust: String,
    /// A raw identifier: sqlx is told the column's name.
    pub raw: bool,
    /// `Due`: in type and variant names.
    pub pascal: String,
    /// The UPPER_CASE of a constant: `DUE`.
    pub upper: String,
    /// `string`, `text`, `bool`, `int`, `float`, `date`, `datetime`, `uuid` or `enum`.
    pub kind: &'static str,
    pub optional: bool,
    /// Neither optional nor defaulted: a new item must have it.
    pub required: bool,
    /// The most characters of a `string` or `text` (0 otherwise), and as a Rust literal
    /// (`100_000`).
    pub max_chars: u32,
    pub max_chars_literal: String,
    /// An `enum`'s values, and their Rust variants.
    pub values: Vec<String>,
    pub variants: Vec<String>,
    /// The Rust type of its value (without `Option`): `String`, `NaiveDate`, `TaskPriority`.
    pub rust_type: String,
    /// A Rust expression of its default, if it has one.
    pub default_rust: Option<String>,
    /// Its default as JSON, for the tests.
    pub default_json: Option<String>,
    pub sqlite_type: &'static str,
    pub postgres_type: &'static str,
    /// The CHECK constraint of its column (SQLite, PostgreSQL), if any.
    pub sqlite_check: Option<String>,
    pub postgres_check: Option<String>,
    pub filterable: bool,
    pub sortable: bool,
    /// `sample` sorts before `other` (for sortable fields).
    pub sample_first: bool,
    /// Two valid values as JSON (Rust `json!` syntax) that differ; the first also as a Rust
    /// expression of its type.
    pub sample: String,
    pub sample_rust: String,
    pub other: String,
    /// Invalid values (`json!` syntax), each refused with 422 naming the field: `(what, value)`.
    pub invalid: Vec<(String, String)>,
    /// What a valid value is, as a sentence.
    pub doc: String,
    /// Its OpenAPI constraints (`min_length = 1, ...`), or empty, and as an attribute.
    pub schema_args: String,
    pub schema: String,
    /// The Rust type of its value in a request body: an `int` is `fields::Int`, which also
    /// takes `3.0` (an integer to JSON Schema).
    pub body_type: String,
}

impl ResourceContext {
    pub fn new(resource: &Resource, all: &[Resource]) -> ResourceContext {
        let names = resource.names();
        let fields: Vec<FieldContext> = resource
            .fields
            .iter()
            .map(|field| FieldContext::new(resource, field))
            .collect();
        let sample = object(&fields, |field| &field.sample, false);
        let other = object(&fields, |field| &field.other, false);
        let minimal = object(&fields, |field| &field.sample, true);
        let parent = resource
            .parent
            .as_deref()
            .and_then(|parent| all.iter().find(|r| r.name == parent))
            .map(ParentContext::new);
        let children = all
            .iter()
            .filter(|r| r.parent.as_deref() == Some(resource.name.as_str()))
            .map(|child| {
                let mut context = ParentContext::new(child);
                context.key = resource.key();
                context
            })
            .collect();
        ResourceContext {
            names,
            migration: resource.migration.clone(),
            key: resource.key(),
            parent,
            children,
            checked: fields.iter().any(|f| f.max_chars > 0),
            filters: fields.iter().filter(|f| f.filterable).cloned().collect(),
            sorts: fields.iter().filter(|f| f.sortable).cloned().collect(),
            has_enum: fields.iter().any(|f| f.kind == "enum"),
            uses_date: fields.iter().any(|f| f.kind == "date"),
            has_optional: fields.iter().any(|f| f.optional),
            has_required: fields.iter().any(|f| !f.optional),
            has_datetime_field: fields.iter().any(|f| f.kind == "datetime"),
            label: fields
                .iter()
                .find(|f| f.required && matches!(f.kind, "string" | "text"))
                .cloned(),
            sample,
            other,
            minimal,
            fields,
        }
    }
}

impl ParentContext {
    fn new(resource: &Resource) -> ParentContext {
        let fields: Vec<FieldContext> = resource
            .fields
            .iter()
            .map(|field| FieldContext::new(resource, field))
            .collect();
        ParentContext {
            names: resource.names(),
            key: resource.key(),
            sample: object(&fields, |field| &field.sample, false),
        }
    }
}

/// A JSON object (Rust `json!` syntax) of `value` of each field, or of the required ones only.
fn object(
    fields: &[FieldContext],
    value: fn(&FieldContext) -> &String,
    only_required: bool,
) -> String {
    let members: Vec<String> = fields
        .iter()
        .filter(|field| field.required || !only_required)
        .map(|field| format!("{:?}: {}", field.name, value(field)))
        .collect();
    format!("{{ {} }}", members.join(", "))
}

/// Rust keywords a field may be named after, written as raw identifiers (`r#type`).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

/// The character class of `char::is_whitespace`, for the schema's pattern of a `string`.
const NOT_BLANK_PATTERN: &str = r"^[^\u0000]*[^\u0000\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$";

impl FieldContext {
    fn new(resource: &Resource, field: &Field) -> FieldContext {
        let name = field.name.clone();
        let raw = KEYWORDS.contains(&name.as_str());
        let rust = if raw {
            format!("r#{name}")
        } else {
            name.clone()
        };
        let quoted = format!("\"{name}\"");
        let max_chars = match field.ty {
            FieldType::String { max } => max,
            FieldType::Text => TEXT_MAX,
            _ => 0,
        };
        let (values, variants) = match &field.ty {
            FieldType::Enum(values) => (
                values.clone(),
                values.iter().map(|v| v.to_upper_camel_case()).collect(),
            ),
            _ => (Vec::new(), Vec::new()),
        };
        let rust_type = match &field.ty {
            FieldType::String { .. } | FieldType::Text => "String".to_owned(),
            FieldType::Bool => "bool".to_owned(),
            FieldType::Int => "i64".to_owned(),
            FieldType::Float => "f64".to_owned(),
            FieldType::Date => "NaiveDate".to_owned(),
            FieldType::Datetime => "DateTime<Utc>".to_owned(),
            FieldType::Uuid => "Uuid".to_owned(),
            FieldType::Enum(_) => enum_type_name(resource, field),
        };
        let (sqlite_type, postgres_type) = match field.ty {
            FieldType::String { .. } | FieldType::Text | FieldType::Enum(_) => ("TEXT", "TEXT"),
            FieldType::Bool => ("INTEGER", "BOOLEAN"),
            FieldType::Int => ("INTEGER", "BIGINT"),
            FieldType::Float => ("REAL", "DOUBLE PRECISION"),
            FieldType::Date => ("TEXT", "DATE"),
            FieldType::Datetime => ("TEXT", "TIMESTAMPTZ"),
            FieldType::Uuid => ("BLOB", "UUID"),
        };
        let (sqlite_check, postgres_check) = match &field.ty {
            FieldType::String { max } => (
                Some(format!("length({quoted}) BETWEEN 1 AND {max}")),
                Some(format!("char_length({quoted}) BETWEEN 1 AND {max}")),
            ),
            FieldType::Text => (
                Some(format!("length({quoted}) <= {TEXT_MAX}")),
                Some(format!("char_length({quoted}) <= {TEXT_MAX}")),
            ),
            FieldType::Enum(values) => {
                let list: Vec<String> = values.iter().map(|v| format!("'{v}'")).collect();
                let check = format!("{quoted} IN ({})", list.join(", "));
                (Some(check.clone()), Some(check))
            }
            FieldType::Bool => (Some(format!("{quoted} IN (0, 1)")), None),
            _ => (None, None),
        };
        let (sample, other) = samples(&field.ty, &name);
        let sample_rust = {
            let value = default_rust(
                &field.ty,
                &rust_type,
                &variants,
                &values,
                &serde_json_text(&sample),
            );
            if field.optional {
                format!("Some({value})")
            } else {
                value
            }
        };
        let mut invalid = invalid_values(&field.ty);
        if !field.optional {
            invalid.push(("null".to_owned(), "null".to_owned()));
        }
        let schema_args = match &field.ty {
            FieldType::String { max } => {
                format!("min_length = 1, max_length = {max}, pattern = r\"{NOT_BLANK_PATTERN}\"")
            }
            FieldType::Text => format!("max_length = {TEXT_MAX}, pattern = r\"^[^\\u0000]*$\""),
            _ => String::new(),
        };
        let schema = if schema_args.is_empty() {
            String::new()
        } else {
            format!("#[schema({schema_args})]")
        };
        let body_type = match field.ty {
            FieldType::Int => "fields::Int".to_owned(),
            _ => rust_type.clone(),
        };
        let doc = match &field.ty {
            FieldType::String { max } => {
                format!("1 to {max} characters, not all whitespace, no NUL.")
            }
            FieldType::Text => format!("Up to {TEXT_MAX} characters, no NUL."),
            FieldType::Bool => "`true` or `false`.".to_owned(),
            FieldType::Int => "A whole number (64-bit).".to_owned(),
            FieldType::Float => "A number.".to_owned(),
            FieldType::Date => "A date, `YYYY-MM-DD`.".to_owned(),
            FieldType::Datetime => {
                "An RFC 3339 date and time; stored in UTC, to the microsecond.".to_owned()
            }
            FieldType::Uuid => "A UUID.".to_owned(),
            FieldType::Enum(values) => format!("One of {}.", quoted_list(values)),
        };
        let optional_doc = if field.optional {
            " Optional: `null` when not given."
        } else {
            ""
        };
        let default_doc = field
            .default
            .as_ref()
            .map(|d| format!(" Default `{d}`."))
            .unwrap_or_default();
        FieldContext {
            rust,
            raw,
            pascal: name.to_upper_camel_case(),
            upper: name.to_uppercase(),
            kind: field.ty.kind(),
            optional: field.optional,
            required: !field.optional && field.default.is_none(),
            max_chars,
            max_chars_literal: rust_literal(max_chars),
            default_rust: field
                .default
                .as_deref()
                .map(|d| default_rust(&field.ty, &rust_type, &variants, &values, d)),
            default_json: field.default.as_deref().map(|d| json_of(&field.ty, d)),
            values,
            variants,
            rust_type,
            sqlite_type,
            postgres_type,
            sqlite_check,
            postgres_check,
            filterable: field.ty.filterable(),
            sortable: field.ty.sortable(),
            // The samples of sortable types compare as their JSON text does (see `samples`).
            sample_first: match field.ty {
                FieldType::Int => sample.parse::<i64>().ok() < other.parse::<i64>().ok(),
                _ => sample < other,
            },
            sample_rust,
            sample,
            other,
            invalid,
            doc: format!("{doc}{optional_doc}{default_doc}"),
            schema_args,
            schema,
            body_type,
            name,
        }
    }
}

/// `100000` → `100_000`, as rustfmt leaves it and clippy's `unreadable_literal` wants it.
fn rust_literal(n: u32) -> String {
    let digits = n.to_string();
    if digits.len() <= 4 {
        return digits;
    }
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('_');
        }
        out.push(digit);
    }
    out
}

fn quoted_list(values: &[String]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
    quoted.join(", ")
}

/// A default as a Rust expression of the field's type.
fn default_rust(
    ty: &FieldType,
    rust_type: &str,
    variants: &[String],
    values: &[String],
    default: &str,
) -> String {
    match ty {
        FieldType::String { .. } | FieldType::Text => format!("{default:?}.to_owned()"),
        FieldType::Bool | FieldType::Int => default.to_owned(),
        FieldType::Float => default.to_owned(),
        FieldType::Date => {
            let parts: Vec<u32> = default.split('-').map(|p| p.parse().unwrap_or(1)).collect();
            format!(
                "NaiveDate::from_ymd_opt({}, {}, {}).expect(\"a valid date\")",
                parts[0], parts[1], parts[2]
            )
        }
        FieldType::Datetime => format!("{default:?}.parse().expect(\"an RFC 3339 time\")"),
        FieldType::Uuid => format!("Uuid::from_u128(0x{})", default.replace('-', "")),
        FieldType::Enum(_) => {
            let index = values.iter().position(|v| v == default).unwrap_or(0);
            format!("{rust_type}::{}", variants[index])
        }
    }
}

/// The text of a JSON scalar written by [`samples`]: a string without its quotes.
fn serde_json_text(json: &str) -> String {
    match json
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
    {
        Some(text) => text.to_owned(),
        None => json.to_owned(),
    }
}

/// A canonical value of the field's type as JSON.
fn json_of(ty: &FieldType, value: &str) -> String {
    match ty {
        FieldType::Bool | FieldType::Int | FieldType::Float => value.to_owned(),
        _ => format!("{value:?}"),
    }
}

/// Two valid values that differ, as `json!` syntax.
fn samples(ty: &FieldType, name: &str) -> (String, String) {
    let text = |prefix: &str, max: u32| {
        let value: String = format!("{prefix} {name}")
            .chars()
            .take(max as usize)
            .collect();
        format!("{value:?}")
    };
    match ty {
        FieldType::String { max } => (text("one", *max), text("two", *max)),
        FieldType::Text => (text("first", TEXT_MAX), text("second", TEXT_MAX)),
        FieldType::Bool => ("true".into(), "false".into()),
        FieldType::Int => ("42".into(), "-7".into()),
        FieldType::Float => ("1.5".into(), "-2.25".into()),
        FieldType::Date => ("\"2025-01-31\"".into(), "\"2026-12-02\"".into()),
        FieldType::Datetime => (
            "\"2025-01-31T09:00:00Z\"".into(),
            "\"2026-12-02T03:04:05Z\"".into(),
        ),
        FieldType::Uuid => (
            "\"67e55044-10b1-426f-9247-bb680e5fe0c8\"".into(),
            "\"0f8fad5b-d9cb-469f-a165-70867728950e\"".into(),
        ),
        FieldType::Enum(values) => (
            format!("{:?}", values[0]),
            format!("{:?}", values[values.len() - 1]),
        ),
    }
}

/// Values the field refuses with 422, as `(what, json! syntax)`.
fn invalid_values(ty: &FieldType) -> Vec<(String, String)> {
    let cases: Vec<(&str, String)> = match ty {
        FieldType::String { max } => vec![
            ("empty", "\"\"".into()),
            ("blank", "\"   \"".into()),
            ("too long", format!("\"x\".repeat({})", max + 1)),
            ("with NUL", "\"a\\u{0}b\"".into()),
            ("a number", "5".into()),
        ],
        FieldType::Text => vec![
            ("too long", format!("\"x\".repeat({})", TEXT_MAX + 1)),
            ("with NUL", "\"a\\u{0}b\"".into()),
            ("a number", "5".into()),
        ],
        FieldType::Bool => vec![("a string", "\"yes\"".into()), ("a number", "1".into())],
        FieldType::Int => vec![
            ("a fraction", "1.5".into()),
            ("a string", "\"1\"".into()),
            ("beyond 64 bits", "u64::MAX".into()),
        ],
        FieldType::Float => vec![("a string", "\"1.5\"".into()), ("a bool", "true".into())],
        FieldType::Date => vec![
            ("not a day", "\"2025-02-30\"".into()),
            ("not a date", "\"yesterday\"".into()),
            ("a number", "20250101".into()),
        ],
        FieldType::Datetime => vec![
            ("without a time", "\"2025-01-31\"".into()),
            ("not a time", "\"soon\"".into()),
            ("a number", "5".into()),
        ],
        FieldType::Uuid => vec![
            ("not a UUID", "\"not-a-uuid\"".into()),
            ("a number", "5".into()),
        ],
        FieldType::Enum(_) => vec![
            ("an unknown value", "\"no-such-value\"".into()),
            ("a number", "5".into()),
        ],
    };
    cases
        .into_iter()
        .map(|(what, value)| (what.to_owned(), value))
        .collect()
}
