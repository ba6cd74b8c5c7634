//! `type = "rust"` escape hatches: the `path` of a type in the user's crate, checked to be a
//! plain Rust path here so that a typo is a located spec error rather than a parse failure
//! inside generated code. Whether the type exists and implements the trait is for rustc.

use super::Cx;
use crate::parse::Node;

/// Keywords a path segment cannot be, except `crate`, `self`, `super` and `Self` leading it.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern", "false",
    "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref",
    "return", "static", "struct", "trait", "true", "type", "unsafe", "use", "where", "while",
    "crate", "self", "super", "Self",
];
const LEADING: &[&str] = &["crate", "self", "super", "Self"];

/// Why `text` is not a plain Rust path (`crate::paging::MyPaginator`, `::my_crate::Auth`).
fn problem(text: &str) -> Option<String> {
    let body = text.strip_prefix("::").unwrap_or(text);
    if body.is_empty() {
        return Some("it is empty".into());
    }
    if text.contains('<') {
        return Some("generic arguments cannot be written here".into());
    }
    for (i, seg) in body.split("::").enumerate() {
        let ident = seg.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && seg.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && seg != "_";
        if !ident {
            return Some(format!("`{seg}` is not an identifier"));
        }
        let leading_ok = i == 0 && LEADING.contains(&seg) && !text.starts_with("::");
        if KEYWORDS.contains(&seg)
            && !leading_ok
            && !(seg == "super" && i > 0 && all_super(body, i))
        {
            return Some(format!("`{seg}` is a keyword"));
        }
    }
    None
}

/// `super::super::X`: every segment before `i` is `super` too.
fn all_super(body: &str, i: usize) -> bool {
    body.split("::").take(i).all(|s| s == "super")
}

/// The `path` of a `type = "rust"` paginator or auth: a Rust path to a type.
pub(super) fn rust_path(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<String> {
    let text = cx.string(node, path)?;
    match problem(&text) {
        None => Some(text),
        Some(why) => {
            cx.error(
                node.span,
                path,
                format!("`{text}` is not a Rust path to a type: {why}"),
                Some("write the path by which the crate including this spec names the type, e.g. \"crate::paging::MyPaginator\" (a type alias can stand for a generic type)".into()),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::problem;

    #[test]
    fn plain_paths_pass_and_others_say_why() {
        for ok in [
            "crate::paging::MyPaginator",
            "::dep::Auth",
            "Pager",
            "super::super::P",
            "self::P",
        ] {
            assert_eq!(problem(ok), None, "{ok}");
        }
        assert_eq!(
            problem("crate::paging::"),
            Some("`` is not an identifier".into())
        );
        assert_eq!(
            problem("crate::Pager<u8>"),
            Some("generic arguments cannot be written here".into())
        );
        assert_eq!(
            problem("crate::my-pager"),
            Some("`my-pager` is not an identifier".into())
        );
        assert_eq!(problem("crate::fn::P"), Some("`fn` is a keyword".into()));
        assert_eq!(problem("a::crate"), Some("`crate` is a keyword".into()));
        assert_eq!(problem(""), Some("it is empty".into()));
    }
}
