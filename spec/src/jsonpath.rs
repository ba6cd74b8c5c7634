//! The JSONPath subset spec authors write (dotted names, `[n]`, `[*]`, `['name']`), parsed
//! once at validation time so generated code never meets a bad path.

use crate::resolved::{JsonPath, PathStep};

/// Parses `text`; the error says what is wrong.
pub fn parse(text: &str) -> Result<JsonPath, String> {
    let mut steps = Vec::new();
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err("a JSONPath cannot be empty".into());
    }
    let mut after_root = false;
    if let Some(r) = rest.strip_prefix('$') {
        rest = r;
        after_root = true;
    }
    let mut first = !after_root;
    while !rest.is_empty() {
        if rest.starts_with("..") {
            return Err("recursive descent `..` is not supported".into());
        }
        if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']').ok_or("unclosed `[`")?;
            let inner = r[..end].trim();
            steps.push(bracket(inner)?);
            rest = &r[end + 1..];
        } else {
            let r = if first {
                rest
            } else {
                rest.strip_prefix('.')
                    .ok_or_else(|| format!("expected `.` or `[` before `{rest}`"))?
            };
            let end = r.find(['.', '[']).unwrap_or(r.len());
            let name = &r[..end];
            if name.is_empty() {
                return Err("empty name between dots".into());
            }
            if name.contains([']', '\'', '"', ' ']) {
                return Err(format!(
                    "unexpected character in name `{name}`; quote it as ['{name}']"
                ));
            }
            steps.push(if name == "*" {
                PathStep::Wildcard
            } else {
                PathStep::Key(name.to_string().into())
            });
            rest = &r[end..];
        }
        first = false;
    }
    Ok(JsonPath {
        text: text.to_string(),
        steps,
    })
}

fn bracket(inner: &str) -> Result<PathStep, String> {
    if inner == "*" {
        return Ok(PathStep::Wildcard);
    }
    for q in ['\'', '"'] {
        if let Some(s) = inner.strip_prefix(q).and_then(|s| s.strip_suffix(q)) {
            if s.is_empty() {
                return Err("empty quoted name".into());
            }
            return Ok(PathStep::Key(s.to_string().into()));
        }
    }
    inner
        .parse::<i64>()
        .map(PathStep::Index)
        .map_err(|_| format!("`[{inner}]` is not an index, `*` or a quoted name"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps(t: &str) -> Vec<PathStep> {
        parse(t).unwrap().steps
    }

    #[test]
    fn parses_the_subset() {
        assert_eq!(steps("$"), vec![]);
        assert_eq!(steps("data"), vec![PathStep::Key("data".into())]);
        assert_eq!(
            steps("$.response.items[0]['@odata.nextLink'][*]"),
            vec![
                PathStep::Key("response".into()),
                PathStep::Key("items".into()),
                PathStep::Index(0),
                PathStep::Key("@odata.nextLink".into()),
                PathStep::Wildcard
            ]
        );
    }

    #[test]
    fn rejects_malformed_paths() {
        assert_eq!(
            parse("data..x").unwrap_err(),
            "recursive descent `..` is not supported"
        );
        assert_eq!(parse("a[x").unwrap_err(), "unclosed `[`");
        assert_eq!(
            parse("a[x]").unwrap_err(),
            "`[x]` is not an index, `*` or a quoted name"
        );
        assert_eq!(parse("").unwrap_err(), "a JSONPath cannot be empty");
    }
}
