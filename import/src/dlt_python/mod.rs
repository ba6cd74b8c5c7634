//! `restsource import-dlt`: a dlt Python config (`rest_api_source({...})`) read without a
//! Python interpreter and turned into a spec [`Draft`].
//!
//! The file is tokenized whole ([`lex`]), the config is located by the rule in [`find`], its
//! literals are read ([`parse`]) and converted ([`convert`]): dicts, lists, tuples, strings,
//! numbers, booleans as they are; `None` left out with a comment; `dlt.secrets["x"]`,
//! `dlt.config["x"]` and `os.environ["X"]` as secret references where a spec reads
//! credentials; dlt's paginator and auth classes as their dict form. Everything else is a
//! located [`Diagnostic`], all of them collected.

pub mod classes;
pub mod convert;
pub mod find;
pub mod lex;
pub mod parse;

use crate::{Draft, Seg};
pub use convert::{LeftOut, Problem, SecretUse};
use restsource_spec::{Diagnostic, Severity};
use serde_json::{Map, Value};
use std::path::Path;

/// A converted config: the draft and what the summary reports.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The spec, with the header naming the source file.
    pub draft: Draft,
    /// The resource names, in order.
    pub resources: Vec<String>,
    /// Every secret reference written, with what it was in Python.
    pub secrets: Vec<SecretUse>,
    /// Settings of the `.py` file the spec does not carry.
    pub left_out: Vec<LeftOut>,
    /// How the config was found in the file.
    pub found: String,
    /// Places of `null`s the JSON spec keeps (see [`Imported::to_json`]).
    pub kept_nulls: Vec<crate::Place>,
}

/// The config could not be converted: every problem, located in the `.py` file.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{} cannot be converted: {} problem(s), the first: {}", .file, .diagnostics.len(), .diagnostics.first().map(|d| d.to_string()).unwrap_or_default())]
pub struct Unconvertible {
    /// The `.py` file, as given.
    pub file: String,
    /// One error per problem, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

/// `rest_api_source` arguments beside the config that a spec says at its top level.
const TOP_LEVEL_KWARGS: &[&str] = &["name", "max_table_nesting", "schema_contract"];

/// Converts the dlt config in `src` (the text of the `.py` file `file`). The spec's `name` is
/// `name` when given, else the call's `name=` argument, else the `name=` of the
/// `@dlt.source(…)` decorator before the call, else the file's stem.
pub fn import_dlt(src: &str, file: &Path, name: Option<&str>) -> Result<Imported, Unconvertible> {
    let toks = lex::tokenize(src);
    let fail = |problems: Vec<Problem>| Unconvertible {
        file: file.display().to_string(),
        diagnostics: problems.iter().map(|p| diagnostic(p, file, src)).collect(),
    };
    let found = find::find(&toks).map_err(|nf| {
        fail(vec![Problem {
            at: nf.at,
            len: 1,
            place: String::new(),
            message: nf.message,
            help: Some(nf.help),
        }])
    })?;
    let injected = find::injected(&toks);
    let literals = find::literals(&toks);
    let mut cx = convert::Converter {
        injected: &injected,
        literals: &literals,
        kept_nulls: Vec::new(),
        problems: Vec::new(),
        secrets: Vec::new(),
        left_out: Vec::new(),
        comments: Vec::new(),
    };
    let mut spec = Map::new();
    let file_stem = file.file_stem().map(|s| s.to_string_lossy().into_owned());
    let stem_name = file_stem.as_deref().map(snake).filter(|s| !s.is_empty());
    let implied = found.decorator_name.clone().or(stem_name);
    if let Some(n) = name.map(str::to_owned).or(implied) {
        spec.insert("name".into(), Value::String(n));
    }
    for (key, value) in &found.call_kwargs {
        let mut place = vec![Seg::Key(key.clone())];
        if !TOP_LEVEL_KWARGS.contains(&key.as_str()) {
            cx.left_out.push(LeftOut {
                place: format!("{key}="),
                line: value.at.line,
                why: format!("the `{key}=` argument of the call has no spec setting"),
            });
            continue;
        }
        let v = cx.value(value, &mut place);
        if key != "name" || name.is_none() {
            spec.insert(key.clone(), v);
        }
    }
    match cx.value(&found.config, &mut Vec::new()) {
        Value::Object(config) => spec.extend(config),
        _ if !cx.problems.is_empty() => {}
        _ => cx.problems.push(Problem {
            at: found.config.at,
            len: found.config.len.max(1),
            place: String::new(),
            message: "the config is not a dict".into(),
            help: Some("a dlt config is a dict: `{\"client\": {…}, \"resources\": […]}`".into()),
        }),
    }
    if !cx.problems.is_empty() {
        cx.problems.sort_by_key(|p| p.at);
        return Err(fail(cx.problems));
    }
    let spec = Value::Object(spec);
    let resources = resource_names(&spec);
    let source = file.file_name().map_or_else(
        || file.display().to_string(),
        |f| f.to_string_lossy().into_owned(),
    );
    let header = vec![
        format!(
            "Imported from {source} by `restsource import-dlt`: {}.",
            found.how
        ),
        "Check the comments below, then `restsource validate` this file.".into(),
    ];
    Ok(Imported {
        draft: Draft {
            spec,
            comments: cx.comments,
            header,
        },
        resources,
        secrets: cx.secrets,
        left_out: cx.left_out,
        found: found.how,
        kept_nulls: cx.kept_nulls,
    })
}

impl Imported {
    /// The spec as TOML, with the header and comments. The `null`s dlt gives a meaning are
    /// written `false`, which a spec reads the same way, since TOML has no null.
    pub fn to_toml(&self) -> String {
        let mut draft = self.draft.clone();
        for place in &self.kept_nulls {
            if let Some(slot) = slot(&mut draft.spec, place) {
                *slot = Value::Bool(false);
            }
        }
        draft.to_toml()
    }

    /// The spec as JSON. Unlike [`Draft::to_json`], the `null`s dlt gives a meaning
    /// (`"total_path": null`, an endpoint's `"auth": null`) are kept, since JSON can say them.
    pub fn to_json(&self) -> String {
        let mut spec = self.draft.spec.clone();
        let mut kept = Vec::new();
        for place in &self.kept_nulls {
            // Marked, stripped with the other nulls by the draft, then put back.
            if let Some(slot) = slot(&mut spec, place) {
                *slot = Value::String(NULL_MARK.into());
                kept.push(place);
            }
        }
        let draft = Draft {
            spec,
            ..Draft::default()
        };
        let mut back: Value = serde_json::from_str(&draft.to_json()).unwrap_or_default();
        for place in kept {
            if let Some(slot) = slot(&mut back, place) {
                *slot = Value::Null;
            }
        }
        let mut text = serde_json::to_string_pretty(&back).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// A string no config holds, standing for a kept `null` while the draft strips the others.
const NULL_MARK: &str = "\u{0}restsource-import:null\u{0}";

fn slot<'v>(value: &'v mut Value, place: &[Seg]) -> Option<&'v mut Value> {
    place.iter().try_fold(value, |v, seg| match seg {
        Seg::Key(k) => v.get_mut(k.as_str()),
        Seg::Index(i) => v.get_mut(*i),
    })
}

/// A name usable as a spec name: lower snake case of the file stem (`My-API.py` → `my_api`).
fn snake(stem: &str) -> String {
    let mut out = String::new();
    for c in stem.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_owned()
}

/// Resource names as dlt derives them: the string itself, else `name`.
fn resource_names(spec: &Value) -> Vec<String> {
    let Some(items) = spec.get("resources").and_then(Value::as_array) else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|r| match r {
            Value::String(s) => Some(s.clone()),
            other => other.get("name").and_then(Value::as_str).map(str::to_owned),
        })
        .collect()
}

fn diagnostic(p: &Problem, file: &Path, src: &str) -> Diagnostic {
    let source_line = src
        .lines()
        .nth(p.at.line.saturating_sub(1))
        .unwrap_or_default()
        .to_owned();
    Diagnostic {
        severity: Severity::Error,
        file: file.to_path_buf(),
        line: p.at.line,
        column: p.at.col,
        len: p.len,
        path: p.place.clone(),
        message: p.message.clone(),
        help: p.help.clone(),
        source_line,
    }
}
