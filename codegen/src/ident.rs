//! Every Rust identifier the generator emits comes from here: case conversion, keywords,
//! leading digits, non-ASCII and empty names, and deterministic collision suffixes.

use std::collections::BTreeSet;

use proc_macro2::{Ident, Span};

pub use restsource_spec::ident::{escape_keyword, sanitize, Case};

/// The identifier for sanitized text (`r#kw` becomes a raw identifier).
pub fn ident(text: &str) -> Ident {
    match text.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(text, Span::call_site()),
    }
}

/// Identifiers already taken in one Rust namespace; hands out unique names.
///
/// Collisions are compared without the `r#` prefix, and resolved by appending `_2`, `_3`, ...
/// in the order names are requested, so the same spec always yields the same names.
#[derive(Debug, Default, Clone)]
pub struct Namespace {
    used: BTreeSet<String>,
    camel: bool,
}

impl Namespace {
    /// A namespace with `reserved` names already taken.
    pub fn with_reserved(reserved: &[&str]) -> Self {
        Namespace {
            used: reserved.iter().map(|s| s.to_string()).collect(),
            camel: false,
        }
    }

    /// A namespace of `UpperCamelCase` names: suffixes are appended without `_` (`Items2`),
    /// which would otherwise trip the `non_camel_case_types` lint.
    pub fn camel(reserved: &[&str]) -> Self {
        Namespace {
            camel: true,
            ..Self::with_reserved(reserved)
        }
    }

    /// True when `name` (sanitized) is already taken.
    pub fn contains(&self, name: &str) -> bool {
        self.used.contains(unraw(name))
    }

    /// Takes `name` (sanitized), or the first free `name_2`, `name_3`, ...
    pub fn unique(&mut self, name: &str) -> String {
        let bare = unraw(name);
        if self.used.insert(bare.to_string()) {
            return name.to_string();
        }
        let mut n = 2usize;
        loop {
            // A name with a digit suffix is never a keyword, so it needs no escaping.
            let candidate = if self.camel {
                format!("{}{n}", bare.trim_end_matches('_'))
            } else if bare.ends_with('_') {
                format!("{bare}{n}")
            } else {
                format!("{bare}_{n}")
            };
            if self.used.insert(candidate.clone()) {
                return candidate;
            }
            n += 1;
        }
    }
}

fn unraw(name: &str) -> &str {
    name.strip_prefix("r#").unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use restsource_spec::ident::RAW_KEYWORDS;

    fn snake(s: &str) -> String {
        sanitize(s, Case::Snake, "field")
    }
    fn camel(s: &str) -> String {
        sanitize(s, Case::UpperCamel, "Resource")
    }
    fn shouty(s: &str) -> String {
        sanitize(s, Case::ShoutySnake, "RESOURCE")
    }

    #[test]
    fn case_conversion() {
        assert_eq!(snake("userId"), "user_id");
        assert_eq!(snake("user-name"), "user_name");
        assert_eq!(snake("Created At"), "created_at");
        assert_eq!(camel("media_insights"), "MediaInsights");
        assert_eq!(camel("stock-summaries"), "StockSummaries");
        assert_eq!(shouty("media_insights"), "MEDIA_INSIGHTS");
        assert_eq!(shouty("userLifetime"), "USER_LIFETIME");
    }

    #[test]
    fn every_raw_keyword_becomes_raw() {
        for kw in RAW_KEYWORDS {
            assert_eq!(snake(kw), format!("r#{kw}"), "{kw}");
            let id = ident(&snake(kw));
            assert_eq!(id.to_string(), format!("r#{kw}"));
        }
    }

    #[test]
    fn non_raw_keywords_get_underscore() {
        assert_eq!(snake("self"), "self_");
        assert_eq!(snake("super"), "super_");
        assert_eq!(snake("crate"), "crate_");
        assert_eq!(camel("self"), "Self_");
        assert_eq!(escape_keyword("Self".into()), "Self_");
        assert_eq!(escape_keyword("_".into()), "__");
        assert_eq!(ident("self_").to_string(), "self_");
    }

    #[test]
    fn keywords_only_match_exactly() {
        assert_eq!(snake("Type"), "r#type");
        assert_eq!(camel("type"), "Type");
        assert_eq!(snake("types"), "types");
        assert_eq!(shouty("type"), "TYPE");
    }

    #[test]
    fn leading_digits_get_prefix() {
        assert_eq!(snake("1st"), "_1st");
        assert_eq!(camel("2fa_codes"), "_2faCodes");
        assert_eq!(shouty("3d"), "_3D");
        assert_eq!(snake("a1"), "a1");
    }

    #[test]
    fn non_ascii_and_punctuation_separate_words() {
        assert_eq!(snake("café_menu"), "caf_menu");
        assert_eq!(snake("größe"), "gr_e");
        assert_eq!(camel("naïve.items"), "NaVeItems");
        assert_eq!(snake("$ref"), "r#ref");
        assert_eq!(snake("a.b/c"), "a_b_c");
    }

    #[test]
    fn empty_and_symbol_only_names_use_fallback() {
        assert_eq!(snake(""), "field");
        assert_eq!(snake("日本"), "field");
        assert_eq!(camel("***"), "Resource");
        assert_eq!(shouty("-"), "RESOURCE");
    }

    #[test]
    fn collisions_get_deterministic_suffixes() {
        let mut ns = Namespace::with_reserved(&["extra"]);
        assert_eq!(ns.unique(&snake("userId")), "user_id");
        assert_eq!(ns.unique(&snake("user_id")), "user_id_2");
        assert_eq!(ns.unique(&snake("UserID")), "user_id_3");
        assert_eq!(ns.unique(&snake("extra")), "extra_2");
        assert_eq!(ns.unique(&snake("type")), "r#type");
        assert_eq!(ns.unique(&snake("Type")), "type_2");
        assert_eq!(ns.unique(&snake("self")), "self_");
        assert_eq!(ns.unique(&snake("self")), "self_2");
        assert!(ns.contains("r#type"));
        assert!(!ns.contains("other"));
    }

    #[test]
    fn camel_collisions_append_digits() {
        let mut ns = Namespace::camel(&["Source"]);
        assert_eq!(ns.unique(&camel("source")), "Source2");
        assert_eq!(ns.unique(&camel("items")), "Items");
        assert_eq!(ns.unique(&camel("items2")), "Items2");
        assert_eq!(ns.unique(&camel("Items")), "Items3");
        assert_eq!(ns.unique(&camel("self")), "Self_");
        assert_eq!(ns.unique(&camel("Self")), "Self2");
    }

    #[test]
    fn suffixed_names_are_valid_identifiers() {
        let mut ns = Namespace::default();
        for raw in ["type", "Type", "TYPE", "1x", "1X", "", ""] {
            let name = ns.unique(&snake(raw));
            syn::parse_str::<syn::Ident>(&name).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
}
