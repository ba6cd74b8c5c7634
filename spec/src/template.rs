//! Placeholder strings in Python `str.format` syntax: `{field}` is a placeholder, `{{` and `}}`
//! are literal braces.

/// A piece of a template string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Literal text (escapes already undone).
    Lit(String),
    /// The text between `{` and `}`.
    Field(String),
}

/// Splits `s` into literal text and placeholders.
pub fn split(s: &str) -> Result<Vec<Piece>, String> {
    let mut out = Vec::new();
    let mut lit = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                lit.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                lit.push('}');
            }
            '{' => {
                let mut field = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some('{') => {
                            return Err(
                                "`{` inside a placeholder; escape literal braces as {{ and }}"
                                    .into(),
                            )
                        }
                        Some(c) => field.push(c),
                        None => {
                            return Err("unclosed `{`; escape literal braces as {{ and }}".into())
                        }
                    }
                }
                if field.is_empty() {
                    return Err("empty placeholder `{}`; escape literal braces as {{ and }}".into());
                }
                if !lit.is_empty() {
                    out.push(Piece::Lit(std::mem::take(&mut lit)));
                }
                out.push(Piece::Field(field));
            }
            '}' => return Err("single `}`; escape literal braces as {{ and }}".into()),
            c => lit.push(c),
        }
    }
    if !lit.is_empty() {
        out.push(Piece::Lit(lit));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_fields_and_escapes() {
        assert_eq!(
            split("a{{b}}/{resources.p.id}").unwrap(),
            vec![
                Piece::Lit("a{b}/".into()),
                Piece::Field("resources.p.id".into())
            ]
        );
        assert_eq!(
            split("x}").unwrap_err(),
            "single `}`; escape literal braces as {{ and }}"
        );
    }
}
