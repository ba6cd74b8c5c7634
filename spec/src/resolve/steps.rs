//! A resource's `processing_steps` resolved into the runtime's steps, with the fields they
//! name checked against the declared columns (when the spec declares any).

use restsource_core::naming::Naming;
use restsource_core::{ConditionDef, Operand, StepDef};

use super::merge::Merged;
use super::{loc, R};
use crate::model::{FilterConfig, ProcessingStep, CURSOR_START};
use crate::read::suggest;
use crate::resolved::Resolved;
use crate::site::{Site, Step};

/// The steps of merged resource `i`; `declared` are its declared columns' JSON names (empty:
/// the spec declares none, and field names are not checked).
pub(crate) fn steps(
    r: &mut R<'_>,
    i: usize,
    m: &Merged,
    declared: &[String],
) -> Vec<StepDef<Resolved>> {
    let Some(steps) = &m.base.processing_steps else {
        return Vec::new();
    };
    // The fields a record has at each step, as far as the spec says.
    let mut known: Vec<String> = declared.to_vec();
    let check = !declared.is_empty();
    let mut out = Vec::new();
    for (k, step) in steps.iter().enumerate() {
        let site = loc(i, &["processing_steps"]).then(Step::Index(k));
        let name_ok = |r: &mut R<'_>, field: &str, site: Site, known: &[String]| {
            if !check || known.iter().any(|f| f == field) {
                return;
            }
            let names: Vec<&str> = known.iter().map(String::as_str).collect();
            let help = match suggest(field, &names) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!(
                    "declare `{field}` in `columns` if the API sends it (the record's fields at this step: {})",
                    crate::read::list(&names)
                ),
            };
            r.error(
                &site,
                format!("processing step {k} of resource `{}` reads field `{field}`, which is not a declared column (nor added by an earlier step)", m.name),
                Some(help),
            );
        };
        match step {
            ProcessingStep::AddFields(fields) => {
                for (name, value) in fields {
                    let mut used = Vec::new();
                    crate::read::template_fields(value, &mut used);
                    for u in used {
                        let at = site.clone().key("add_fields").key(name);
                        name_ok(r, &u, at, &known);
                    }
                }
                known.retain(|f| !fields.contains_key(f));
                known.extend(fields.keys().cloned());
                out.push(StepDef::AddFields(
                    fields
                        .iter()
                        .map(|(k, v)| (k.clone(), v.to_string()))
                        .collect(),
                ));
            }
            ProcessingStep::RemoveFields(fields) => {
                // Removing or renaming a field the spec does not declare is how undeclared
                // fields are reshaped before they reach `_rs_extra`: not checked.
                known.retain(|f| !fields.contains(f));
                out.push(StepDef::RemoveFields(fields.clone()));
            }
            ProcessingStep::RenameFields(pairs) => {
                for (from, to) in pairs {
                    known.retain(|f| f != from && f != to);
                    known.push(to.clone());
                }
                out.push(StepDef::RenameFields(
                    pairs.iter().map(|(a, b)| (a.clone(), b.clone())).collect(),
                ));
            }
            ProcessingStep::KeysToSnakeCase(true) => {
                known = known.iter().map(|f| Naming::UNLIMITED.key(f)).collect();
                out.push(StepDef::KeysToSnakeCase);
            }
            ProcessingStep::KeysToSnakeCase(false) => {}
            ProcessingStep::Filter(filter) => {
                let conds = filter.conditions();
                let mut defs = Vec::new();
                for (j, c) in conds.iter().enumerate() {
                    let at = match filter {
                        FilterConfig::One(_) => site.clone().key("filter").key("field"),
                        FilterConfig::All(_) => {
                            site.clone().key("filter").then(Step::Index(j)).key("field")
                        }
                    };
                    name_ok(r, &c.field, at, &known);
                    let value = match &c.value {
                        Some(serde_json::Value::String(s)) if s == CURSOR_START => {
                            if m.endpoint.incremental.is_none() {
                                r.error(
                                    &site.clone().key("filter"),
                                    format!("processing step {k} of resource `{}` compares with the incremental cursor, but the resource has no `endpoint.incremental`", m.name),
                                    Some("add `incremental` to the endpoint, or compare with a constant".into()),
                                );
                            }
                            Operand::CursorStart
                        }
                        Some(v) => Operand::Json(v.to_string()),
                        None => Operand::Json("null".to_string()),
                    };
                    defs.push(ConditionDef {
                        field: c.field.clone(),
                        op: c.op.op(),
                        value,
                    });
                }
                out.push(StepDef::Filter(defs));
            }
        }
    }
    out
}
