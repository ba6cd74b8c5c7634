//! `processing_steps`: each step an object with one key; dlt's Python-callable steps are
//! refused with a pointer to the typed Rust closures that replace them.

use super::{list, suggest, Cx};
use crate::model::{CompareOpConfig, Condition, FilterConfig, ProcessingStep, CURSOR_START};
use crate::parse::{Kind, Node};

/// The step kinds a spec can write.
const STEP_KINDS: &[&str] = &[
    "add_fields",
    "remove_fields",
    "rename_fields",
    "keys_to_snake_case",
    "filter",
];
const CONDITION_KEYS: &[&str] = &["field", "op", "value"];

/// `processing_steps`: a list of steps.
pub(super) fn processing_steps(
    cx: &mut Cx<'_>,
    node: &Node,
    path: &str,
) -> Option<Vec<ProcessingStep>> {
    let Kind::Array(items) = &node.kind else {
        cx.error(
            node.span,
            path,
            format!(
                "expected a list of processing steps, found {}",
                node.kind.describe()
            ),
            Some("write `processing_steps = [{ remove_fields = [\"x\"] }]`".into()),
        );
        return None;
    };
    let mut out = Vec::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        match step(cx, item, &format!("{path}[{i}]")) {
            Some(s) => out.push(s),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

fn step(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<ProcessingStep> {
    let Kind::Object(entries) = &node.kind else {
        cx.error(
            node.span,
            path,
            format!(
                "expected a processing step (an object with one key), found {}",
                node.kind.describe()
            ),
            Some(format!("step kinds: {}", list(STEP_KINDS))),
        );
        return None;
    };
    let [entry] = entries.as_slice() else {
        cx.error(
            node.span,
            path,
            format!(
                "a processing step has exactly one key, found {}",
                entries.len()
            ),
            Some(format!(
                "write one step per list item; step kinds: {}",
                list(STEP_KINDS)
            )),
        );
        return None;
    };
    let (value, at) = (&entry.value, super::child(path, &entry.key));
    match entry.key.as_str() {
        "add_fields" => {
            cx.map(value, &at, "`add_fields`")?;
            let mut fields = indexmap::IndexMap::new();
            let mut ok = true;
            for e in o_entries(value) {
                ok &= check_templates(cx, &e.value, &super::child(&at, &e.key));
                fields.insert(e.key.clone(), e.value.to_json());
            }
            ok.then_some(ProcessingStep::AddFields(fields))
        }
        "remove_fields" => cx.strings(value, &at).map(ProcessingStep::RemoveFields),
        "rename_fields" => {
            cx.map(value, &at, "`rename_fields`")?;
            let mut pairs = indexmap::IndexMap::new();
            let mut ok = true;
            for e in o_entries(value) {
                match cx.string(&e.value, &super::child(&at, &e.key)) {
                    Some(to) => {
                        pairs.insert(e.key.clone(), to);
                    }
                    None => ok = false,
                }
            }
            ok.then_some(ProcessingStep::RenameFields(pairs))
        }
        "keys_to_snake_case" => cx.boolean(value, &at).map(ProcessingStep::KeysToSnakeCase),
        "filter" => filter(cx, value, &at).map(ProcessingStep::Filter),
        kind @ ("map" | "yield_map") => {
            cx.error(
                entry.key_span,
                &at,
                format!("dlt's `{kind}` step is a Python callable and cannot be written in a spec"),
                Some(
                    "map records in Rust on the generated source, checked by the compiler: \
                     `source.map(|r: Item| Item { name: r.name.to_lowercase(), ..r })`; or \
                     reshape them here with `add_fields`, `remove_fields`, `rename_fields` \
                     or `keys_to_snake_case`"
                        .into(),
                ),
            );
            None
        }
        other => {
            let help = match suggest(other, STEP_KINDS) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("step kinds: {}", list(STEP_KINDS)),
            };
            cx.error(
                entry.key_span,
                &at,
                format!("unknown processing step `{other}`"),
                Some(help),
            );
            None
        }
    }
}

fn o_entries(node: &Node) -> &[crate::parse::Entry] {
    match &node.kind {
        Kind::Object(entries) => entries,
        _ => &[],
    }
}

/// Every string inside `node` is a well-formed template: `{field}` placeholders, `{{`/`}}`.
fn check_templates(cx: &mut Cx<'_>, node: &Node, path: &str) -> bool {
    match &node.kind {
        Kind::Str(s) => match template_problem(s) {
            None => true,
            Some(problem) => {
                cx.error(
                    node.span,
                    path,
                    format!("bad template `{s}`: {problem}"),
                    Some("write `{field}` to insert a field of the record, `{{` and `}}` for literal braces".into()),
                );
                false
            }
        },
        // Every string is checked (no short circuit), so each bad template is reported.
        Kind::Array(items) => {
            let mut ok = true;
            for (i, n) in items.iter().enumerate() {
                ok &= check_templates(cx, n, &format!("{path}[{i}]"));
            }
            ok
        }
        Kind::Object(entries) => {
            let mut ok = true;
            for e in entries {
                ok &= check_templates(cx, &e.value, &super::child(path, &e.key));
            }
            ok
        }
        _ => true,
    }
}

/// What is wrong with template `s`, if anything.
fn template_problem(s: &str) -> Option<&'static str> {
    let mut rest = s;
    while let Some(i) = rest.find(['{', '}']) {
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            rest = &tail[2..];
        } else if tail.starts_with('}') {
            return Some("a `}` without its `{`");
        } else {
            let Some(end) = tail.find('}') else {
                return Some("a `{` without its `}`");
            };
            let name = &tail[1..end];
            if name.is_empty() || name.contains('{') {
                return Some("an empty or nested placeholder");
            }
            rest = &tail[end + 1..];
        }
    }
    None
}

/// The field names the templates of `value` insert.
pub(crate) fn template_fields(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => {
            let mut rest = s.as_str();
            while let Some(i) = rest.find(['{', '}']) {
                let tail = &rest[i..];
                if tail.starts_with("{{") || tail.starts_with("}}") {
                    rest = &tail[2..];
                } else if let (true, Some(end)) = (tail.starts_with('{'), tail.find('}')) {
                    out.push(tail[1..end].to_string());
                    rest = &tail[end + 1..];
                } else {
                    rest = &tail[1..];
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| template_fields(v, out)),
        serde_json::Value::Object(m) => m.values().for_each(|v| template_fields(v, out)),
        _ => {}
    }
}

fn filter(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<FilterConfig> {
    match &node.kind {
        Kind::Array(items) => {
            let mut out = Vec::new();
            let mut ok = true;
            for (i, item) in items.iter().enumerate() {
                match condition(cx, item, &format!("{path}[{i}]")) {
                    Some(c) => out.push(c),
                    None => ok = false,
                }
            }
            ok.then_some(FilterConfig::All(out))
        }
        Kind::Str(_) => {
            cx.error(
                node.span,
                path,
                "a `filter` step written as a string is a Python callable in dlt and cannot run here",
                Some(
                    "write the condition as `{ field = \"status\", op = \"==\", value = \"open\" }`, \
                     or filter in Rust on the generated source: \
                     `source.filter(|r: &Item| r.status == \"open\")`"
                        .into(),
                ),
            );
            None
        }
        _ => condition(cx, node, path).map(FilterConfig::One),
    }
}

fn condition(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<Condition> {
    let o = cx.object(node, path, "a filter condition", CONDITION_KEYS)?;
    let field = cx.req(&o, "field", "a filter condition", Cx::string);
    let op = cx.req(&o, "op", "a filter condition", |cx, n, p| {
        let names: Vec<&str> = restsource_core::CompareOp::ALL
            .iter()
            .map(|(t, _)| *t)
            .collect();
        let s = cx.one_of(n, p, "operator", &names)?;
        CompareOpConfig::parse(&s)
    });
    let value = o.get("value");
    let op = op?;
    let unary = op.op().is_unary();
    match (unary, value) {
        (true, Some(v)) => {
            cx.error(
                v.span,
                &o.at("value"),
                "`is null` and `is not null` take no value",
                Some("remove `value`".into()),
            );
            return None;
        }
        (false, None) => {
            cx.error(
                super::opening(node.span),
                path,
                "missing required key `value` in a filter condition",
                Some(format!(
                    "compare with a JSON constant, or with `\"{CURSOR_START}\"` (the incremental cursor's value when the run started)"
                )),
            );
            return None;
        }
        _ => {}
    }
    if let Some(v) = value {
        let at = o.at("value");
        match &v.kind {
            Kind::Str(s) if s.starts_with("{incremental.") && s != CURSOR_START => {
                cx.error(
                    v.span,
                    &at,
                    format!("a filter compares with the cursor as `{CURSOR_START}`, found `{s}`"),
                    Some(format!("write `\"{CURSOR_START}\"`")),
                );
                return None;
            }
            Kind::Str(s) if s == CURSOR_START && op == CompareOpConfig::In => {
                cx.error(
                    v.span,
                    &at,
                    "`in` takes a list of values, not the cursor",
                    None,
                );
                return None;
            }
            Kind::Array(_) => {}
            _ if op == CompareOpConfig::In => {
                cx.error(
                    v.span,
                    &at,
                    format!("`in` takes a list of values, found {}", v.kind.describe()),
                    Some("write `value = [\"a\", \"b\"]`".into()),
                );
                return None;
            }
            _ => {}
        }
    }
    Some(Condition {
        field: field?,
        op,
        value: value.map(Node::to_json),
    })
}
