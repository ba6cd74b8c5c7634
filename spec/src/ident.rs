//! The Rust names a spec's names become (case conversion, keywords, leading digits, non-ASCII
//! and empty names). They live with the spec because validation needs them too: two resources
//! whose `struct_name`s become one Rust type are a spec error, located at the spec's key.

use heck::{ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};

/// The case an identifier is converted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// `snake_case`: fields, methods, modules.
    Snake,
    /// `UpperCamelCase`: types.
    UpperCamel,
    /// `SHOUTY_SNAKE_CASE`: constants.
    ShoutySnake,
}

/// Keywords that can be written as raw identifiers (`r#type`), strict and reserved, all
/// editions up to 2024.
pub const RAW_KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

/// Keywords a raw identifier cannot spell; they get a trailing underscore instead.
pub const NON_RAW_KEYWORDS: &[&str] = &["self", "Self", "super", "crate", "_"];

/// Converts `raw` to a valid identifier in `case` (the returned text may start with `r#`).
///
/// Non-ASCII characters and punctuation separate words, a leading digit gets a `_` prefix,
/// an empty result becomes `fallback`, and keywords are escaped.
pub fn sanitize(raw: &str, case: Case, fallback: &str) -> String {
    // Non-ASCII letters are legal in Rust identifiers, but ASCII-only output keeps generated
    // code typeable and lint-free; the JSON name is kept in a serde rename anyway.
    let ascii: String = raw
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    let mut name = match case {
        Case::Snake => ascii.to_snake_case(),
        Case::UpperCamel => ascii.to_upper_camel_case(),
        Case::ShoutySnake => ascii.to_shouty_snake_case(),
    };
    if name.is_empty() {
        name = fallback.to_string();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    escape_keyword(name)
}

/// Escapes a keyword: `type` → `r#type`, `self` → `self_`; other names pass through.
pub fn escape_keyword(name: String) -> String {
    if NON_RAW_KEYWORDS.contains(&name.as_str()) {
        format!("{name}_")
    } else if RAW_KEYWORDS.contains(&name.as_str()) {
        format!("r#{name}")
    } else {
        name
    }
}

/// Types the generated module declares next to the record structs: a `struct_name` may not
/// become one of them.
pub const RESERVED_TYPES: &[&str] = &["Source", "Secrets"];
