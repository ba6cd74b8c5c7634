//! A record's schema as the relational tables loading it creates: nested objects flattened
//! into `a__b` columns, lists into child tables, in the file format `restsource infer` writes
//! (core's `tables` module), so codegen types every field without sampling the API.
//!
//! Only what the schema types is written: a JSON-shaped value (a free-form object, a map,
//! mixed variants) is left to run-time inference, which flattens and types it from the data
//! as it would without the file. Column order is normalization's: an object's scalars in
//! order, then its nested objects, the last one first (dlt flattens it first).

use restsource_core::naming::Naming;
use restsource_core::tables::{ColumnShape, TableShape};
use restsource_core::DataType;

use super::schema::{Node, Prop, Shape};

/// The naming `restsource infer` writes its file with.
const NAMING: Naming = Naming::SQLITE;

/// The tables of a resource whose records have shape `record`, the root named `table`.
/// `keys` are the columns that are never null (the primary key).
pub fn tables(table: &str, record: &Node, keys: &[String]) -> Vec<TableShape> {
    let mut out = Vec::new();
    let name = NAMING.path(table);
    table_of(&mut out, name, None, None, record, keys);
    out
}

/// Adds the table of rows of shape `row` (and its child tables after it).
fn table_of(
    out: &mut Vec<TableShape>,
    name: String,
    parent: Option<String>,
    path: Option<Vec<String>>,
    row: &Node,
    keys: &[String],
) {
    let index = out.len();
    out.push(TableShape {
        name: name.clone(),
        parent,
        path,
        seen_data: None,
        columns: Vec::new(),
    });
    let mut columns = Vec::new();
    let mut lists = Vec::new();
    match &row.shape {
        Shape::Object(props) => flatten(props, &[], &mut columns, &mut lists, keys),
        Shape::Scalar(t) => columns.push(column("value".into(), *t, true, Vec::new())),
        _ => {}
    }
    if columns.is_empty() && lists.is_empty() {
        // Nothing typed: run-time inference makes this table from the data.
        out.truncate(index);
        return;
    }
    out[index].columns = columns;
    for (keys_to_list, element) in lists {
        let fragments: Vec<String> = keys_to_list.iter().map(|k| NAMING.key(k)).collect();
        let child = NAMING.join(&[name.clone(), NAMING.join(&fragments)]);
        table_of(
            out,
            child,
            Some(name.clone()),
            Some(keys_to_list),
            &element,
            &[],
        );
    }
}

/// An object's columns in normalization's order, and the lists it holds with their key paths.
fn flatten(
    props: &[Prop],
    prefix: &[String],
    columns: &mut Vec<ColumnShape>,
    lists: &mut Vec<(Vec<String>, Node)>,
    keys: &[String],
) {
    let mut objects = Vec::new();
    for p in props {
        let mut path = prefix.to_vec();
        path.push(p.name.clone());
        match &p.node.shape {
            Shape::Scalar(t) => {
                let fragments: Vec<String> = path.iter().map(|k| NAMING.key(k)).collect();
                let nullable = !(prefix.is_empty() && keys.contains(&p.name));
                columns.push(column(NAMING.join(&fragments), *t, nullable, path));
            }
            Shape::Object(inner) => objects.push((path, inner)),
            Shape::Array(element) => {
                if matches!(element.shape, Shape::Scalar(_) | Shape::Object(_)) {
                    lists.push((path, (**element).clone()));
                }
            }
            Shape::Json | Shape::Any => {}
        }
    }
    for (path, inner) in objects.into_iter().rev() {
        flatten(inner, &path, columns, lists, keys);
    }
}

fn column(name: String, data_type: DataType, nullable: bool, path: Vec<String>) -> ColumnShape {
    ColumnShape {
        name,
        data_type,
        nullable,
        variant: false,
        path: Some(path),
    }
}

/// The record's top-level scalar properties and their types, in the schema's order: the
/// spec's declared `columns`.
pub fn top_level_columns(record: &Node) -> Vec<(String, DataType)> {
    match &record.shape {
        Shape::Object(props) => props
            .iter()
            .filter_map(|p| match p.node.shape {
                Shape::Scalar(t) => Some((p.name.clone(), t)),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// How many columns the tables hold (for the report).
pub fn column_count(tables: &[TableShape]) -> usize {
    tables.iter().map(|t| t.columns.len()).sum()
}
