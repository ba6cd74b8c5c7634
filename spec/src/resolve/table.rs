//! Keys, disposition and columns of a merged resource, with their checks.

use super::{loc, merge::Merged, R};
use restsource_core::DataType as StoredType;

use crate::model::{Disposition, KeyConfig, MergeStrategy, WriteDispositionConfig};
use crate::resolved::{ColumnDef, Disposition as Written, ResolvedColumn, WriteDef};
use crate::site::Site;
use heck::ToSnakeCase;
use restsource_core::MergeStrategy as Merge;
use std::collections::HashMap;

/// The table half of a resolved resource.
pub(crate) struct Table {
    pub primary_key: Vec<String>,
    pub merge_key: Vec<String>,
    pub write: WriteDef,
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
        Some(MergeStrategy::Upsert) => Merge::Upsert,
        Some(MergeStrategy::InsertOnly) => Merge::InsertOnly,
        _ => Merge::DeleteInsert,
    };
    if disposition == Disposition::Merge && primary_key.is_empty() && merge_key.is_empty() {
        r.error(
            &loc(i, &["write_disposition"]),
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
        && merge_strategy == Merge::Upsert
        && primary_key.is_empty()
    {
        r.error(
            &loc(i, &["write_disposition"]),
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
            if !columns_decl.iter().any(|(n, _)| n == k) && !r.infers_key(&m.name, k) {
                // A warning, not an error: dlt accepts this (its conformance config valid/013
                // does it), the column is then simply untyped.
                r.warn(
                    &loc(i, &["primary_key"]),
                    format!("primary key column `{k}` of resource `{}` is not among the declared columns", m.name),
                    Some(format!("declare `{k}` in `columns` so it gets a type")),
                );
            }
        }
    }
    ok &= column_names(r, i, &m.name, &columns_decl);
    let columns = columns_decl
        .into_iter()
        .map(|(name, h)| {
            let key = primary_key.contains(&name);
            ResolvedColumn {
                def: ColumnDef {
                    data_type: h.data_type.map_or(StoredType::Json, StoredType::from),
                    nullable: h.nullable.unwrap_or(!key),
                    precision: h.precision,
                    scale: h.scale,
                    hard_delete: h.hard_delete.unwrap_or(false),
                    dedup_sort: h.dedup_sort,
                    untyped: h.data_type.is_none(),
                    json_name: name.clone(),
                    sql_name: name,
                },
                rust_name: h.rust_name,
                description: h.description,
            }
        })
        .collect();
    ok.then_some(Table {
        primary_key,
        merge_key,
        write: WriteDef {
            disposition: match disposition {
                Disposition::Append => Written::Append,
                Disposition::Replace => Written::Replace,
                Disposition::Skip => Written::Skip,
                Disposition::Merge => Written::Merge(merge_strategy),
            },
            deduplicated: deduplicated.unwrap_or(false),
        },
        columns,
    })
}

pub(crate) use restsource_core::names::{is_reserved, RESERVED_PREFIX};

/// Where column `name` of resource `i` is written: its key, else the column itself.
fn column_at(i: usize, name: &str) -> Site {
    Site::ColumnKey {
        index: i,
        name: name.to_string(),
    }
}

/// Column names: none reserved, no two with one identifier, no two that differ only in case
/// (SQLite compares column names without case, so they would be one column). Maps keep this
/// linear: a resource may declare tens of thousands of columns.
fn column_names(
    r: &mut R<'_>,
    i: usize,
    resource: &str,
    columns: &[(String, crate::model::ColumnHints)],
) -> bool {
    let mut ok = true;
    let mut by_ident: HashMap<String, &str> = HashMap::with_capacity(columns.len());
    let mut by_folded: HashMap<String, &str> = HashMap::with_capacity(columns.len());
    for (name, _) in columns {
        if is_reserved(name) {
            r.error(
                &column_at(i, name),
                format!("column `{name}` of resource `{resource}` uses the reserved prefix `{RESERVED_PREFIX}`: restsource's own columns (`_rs_load_id`, `_rs_extracted_at`, `_rs_extra`) start with it"),
                Some(format!("remove `{name}` from `columns` (an undeclared field is still loaded, inside the `_rs_extra` JSON column)")),
            );
            ok = false;
        }
        let ident = identifier(name);
        if let Some(other) = by_ident.get(&ident) {
            r.error(
                &column_at(i, name),
                format!("columns `{other}` and `{name}` of resource `{resource}` both become the identifier `{ident}`"),
                Some("rename one of them, or drop the duplicate".into()),
            );
            ok = false;
        } else if let Some(other) = by_folded.get(&name.to_lowercase()) {
            let first = r.position(&column_at(i, other));
            r.error(
                &column_at(i, name),
                format!("columns `{other}` and `{name}` of resource `{resource}` differ only in case: SQLite treats them as one column"),
                Some(format!("`{other}` is declared at {first}; rename or drop one of them")),
            );
            ok = false;
        }
        by_ident.entry(ident).or_insert(name);
        by_folded.entry(name.to_lowercase()).or_insert(name);
    }
    ok
}

/// A resource's table name and where it comes from, for the checks across tables.
pub(crate) struct TableName {
    /// The resource's index in the file.
    index: usize,
    resource: String,
    table: String,
    /// Written as `table_name` (here or in the defaults) rather than taken from the name.
    explicit: bool,
}

impl TableName {
    /// The table `m` loads into (its `table_name`, else its name).
    pub(crate) fn of(index: usize, m: &Merged) -> Self {
        TableName {
            index,
            resource: m.name.clone(),
            table: m.base.table_name.clone().unwrap_or_else(|| m.name.clone()),
            explicit: m.base.table_name.is_some(),
        }
    }

    fn at(&self) -> Site {
        if self.explicit {
            loc(self.index, &["table_name"])
        } else {
            Site::Name(self.index)
        }
    }
}

/// Table names: none reserved (a table named `_rs_state` would be restsource's own state
/// table), and no two that differ only in case (SQLite, and JSON-lines files on a
/// case-insensitive file system, would make them one table). Tables of the same name are
/// allowed: several resources may load into one table.
pub(crate) fn table_names(r: &mut R<'_>, tables: &[TableName]) {
    let mut by_folded: HashMap<String, &TableName> = HashMap::with_capacity(tables.len());
    for t in tables {
        let name = &t.table;
        if is_reserved(name) {
            let suggestion = name.trim_start_matches('_');
            let help = if t.explicit {
                format!("choose another `table_name`, e.g. `{suggestion}`")
            } else {
                format!("the table is named after the resource: give the resource a `table_name` such as `{suggestion}`, or rename it")
            };
            r.error(
                &t.at(),
                format!("table name `{name}` of resource `{}` uses the reserved prefix `{RESERVED_PREFIX}`: restsource's own tables (`_rs_loads`, `_rs_load_resources`, `_rs_state`, `_rs_staging_<table>`) start with it", t.resource),
                Some(help),
            );
        }
        match by_folded.get(&name.to_lowercase()) {
            Some(other) if other.table != *name => {
                let first = r.position(&other.at());
                r.error(
                    &t.at(),
                    format!(
                        "tables `{}` (resource `{}`) and `{name}` (resource `{}`) differ only in case: SQLite treats them as one table",
                        other.table, other.resource, t.resource
                    ),
                    Some(format!("`{}` is named at {first}; give one of them another `table_name`", other.table)),
                );
            }
            Some(_) => {}
            None => {
                by_folded.insert(name.to_lowercase(), t);
            }
        }
    }
}
