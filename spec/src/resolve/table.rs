//! Keys, disposition and columns of a merged resource, with their checks.

use super::{loc, merge::Merged, R};
use crate::model::{DataType, Disposition, KeyConfig, MergeStrategy, WriteDispositionConfig};
use crate::resolved::{ResolvedColumn, ResolvedMergeStrategy};
use heck::ToSnakeCase;

/// The table half of a resolved resource.
pub(crate) struct Table {
    pub primary_key: Vec<String>,
    pub merge_key: Vec<String>,
    pub disposition: Disposition,
    pub merge_strategy: ResolvedMergeStrategy,
    pub deduplicated: bool,
    pub columns: Vec<ResolvedColumn>,
}

/// The identifier a column name becomes in SQL and Rust (snake case, other characters `_`).
pub fn identifier(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '_' })
        .collect();
    let snake = cleaned.to_snake_case();
    if snake.is_empty() {
        "_".into()
    } else {
        snake
    }
}

pub(crate) fn table(r: &mut R<'_>, i: usize, m: &Merged) -> Option<Table> {
    let b = &m.base;
    let mut ok = true;
    let columns_decl = super::merge::merged_columns(&None, &b.columns);
    let mut primary_key = b
        .primary_key
        .as_ref()
        .map(KeyConfig::columns)
        .unwrap_or_default();
    if b.primary_key.is_none() {
        primary_key = columns_decl
            .iter()
            .filter(|(_, h)| h.primary_key == Some(true))
            .map(|(n, _)| n.clone())
            .collect();
    }
    let mut merge_key = b
        .merge_key
        .as_ref()
        .map(KeyConfig::columns)
        .unwrap_or_default();
    if b.merge_key.is_none() {
        merge_key = columns_decl
            .iter()
            .filter(|(_, h)| h.merge_key == Some(true))
            .map(|(n, _)| n.clone())
            .collect();
    }
    let (disposition, strategy, deduplicated) = match &b.write_disposition {
        None => (Disposition::Append, None, None),
        Some(WriteDispositionConfig::Name(d)) => (*d, None, None),
        Some(WriteDispositionConfig::Object(o)) => (o.disposition, o.strategy, o.deduplicated),
    };
    let merge_strategy = match strategy {
        Some(MergeStrategy::Upsert) => ResolvedMergeStrategy::Upsert,
        Some(MergeStrategy::InsertOnly) => ResolvedMergeStrategy::InsertOnly,
        _ => ResolvedMergeStrategy::DeleteInsert,
    };
    if disposition == Disposition::Merge && primary_key.is_empty() && merge_key.is_empty() {
        r.error(
            &loc(i, "write_disposition"),
            format!(
                "resource `{}` merges but has no `primary_key` or `merge_key`",
                m.name
            ),
            Some(
                "set `primary_key` (or `merge_key`); dlt would silently fall back to append".into(),
            ),
        );
        ok = false;
    }
    if disposition == Disposition::Merge
        && merge_strategy == ResolvedMergeStrategy::Upsert
        && primary_key.is_empty()
    {
        r.error(
            &loc(i, "write_disposition"),
            format!(
                "resource `{}`: the upsert strategy needs a `primary_key`",
                m.name
            ),
            None,
        );
        ok = false;
    }

    if !columns_decl.is_empty() {
        for k in &primary_key {
            if !columns_decl.iter().any(|(n, _)| n == k) {
                // A warning, not an error: dlt accepts this (its conformance config valid/013
                // does it), the column is then simply untyped.
                r.warn(
                    &loc(i, "primary_key"),
                    format!("primary key column `{k}` of resource `{}` is not among the declared columns", m.name),
                    Some(format!("declare `{k}` in `columns` so it gets a type")),
                );
            }
        }
    }
    let mut seen: Vec<(String, String)> = Vec::new();
    for (name, _) in &columns_decl {
        let ident = identifier(name);
        if let Some((other, _)) = seen.iter().find(|(_, id)| *id == ident) {
            let mut at = vec![
                format!("key:resources[{i}].columns.{name}"),
                format!("key:resource_defaults.columns.{name}"),
            ];
            at.extend(loc(i, &format!("columns.{name}")));
            r.error(
                &at,
                format!("columns `{other}` and `{name}` of resource `{}` both become the identifier `{ident}`", m.name),
                Some("rename one of them, or drop the duplicate".into()),
            );
            ok = false;
        }
        seen.push((name.clone(), ident));
    }
    let columns = columns_decl
        .into_iter()
        .map(|(name, h)| {
            let key = primary_key.contains(&name);
            ResolvedColumn {
                data_type: h.data_type.unwrap_or(DataType::Json),
                nullable: h.nullable.unwrap_or(!key),
                precision: h.precision,
                scale: h.scale,
                hard_delete: h.hard_delete.unwrap_or(false),
                dedup_sort: h.dedup_sort,
                rust_name: h.rust_name,
                description: h.description,
                name,
            }
        })
        .collect();
    ok.then_some(Table {
        primary_key,
        merge_key,
        disposition,
        merge_strategy,
        deduplicated: deduplicated.unwrap_or(false),
        columns,
    })
}
