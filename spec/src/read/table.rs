//! Table hints: keys, write disposition, columns.

use super::{child, list, suggest, Cx};
use crate::model::{
    ColumnHints, ColumnsConfig, DataType, Disposition, KeyConfig, MergeStrategy, SortOrder,
    WriteDispositionConfig, WriteDispositionObject,
};
use crate::parse::{Kind, Node};

const DISPOSITIONS: &[&str] = &["append", "replace", "merge", "skip"];
const STRATEGIES: &[&str] = &["delete-insert", "upsert", "insert-only", "scd2"];
const DATA_TYPES: &[&str] = &[
    "text",
    "double",
    "bool",
    "timestamp",
    "bigint",
    "binary",
    "json",
    "decimal",
    "date",
    "time",
    "wei",
];
pub(super) const WRITE_DISPOSITION_KEYS: &[&str] = &["disposition", "strategy", "deduplicated"];
pub(super) const COLUMN_KEYS: &[&str] = &[
    "name",
    "data_type",
    "nullable",
    "precision",
    "scale",
    "timezone",
    "primary_key",
    "merge_key",
    "unique",
    "hard_delete",
    "dedup_sort",
    "description",
    "rust_name",
];
/// dlt hints accepted and carried in `other` (they do not change generated code).
const OTHER_HINTS: &[&str] = &[
    "partition",
    "cluster",
    "sort",
    "row_key",
    "parent_key",
    "root_key",
    "variant",
    "incremental",
];

/// `primary_key` / `merge_key`.
pub(crate) fn key(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<KeyConfig> {
    match &node.kind {
        Kind::Str(s) => Some(KeyConfig::One(s.clone())),
        Kind::Array(_) => cx.strings(node, path).map(KeyConfig::Many),
        other => {
            let msg = format!(
                "expected a column name or a list of column names, found {}",
                other.describe()
            );
            cx.error(node.span, path, msg, None);
            None
        }
    }
}

fn disposition(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<Disposition> {
    Some(
        match cx
            .one_of(node, path, "write disposition", DISPOSITIONS)?
            .as_str()
        {
            "append" => Disposition::Append,
            "replace" => Disposition::Replace,
            "merge" => Disposition::Merge,
            _ => Disposition::Skip,
        },
    )
}

fn strategy(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<MergeStrategy> {
    if let Kind::Str(s) = &node.kind {
        if s == "cdc" {
            cx.error(
                node.span,
                path,
                "merge strategy `cdc` is not supported",
                Some(format!("use one of {}", list(&STRATEGIES[..3]))),
            );
            return None;
        }
    }
    Some(
        match cx
            .one_of(node, path, "merge strategy", STRATEGIES)?
            .as_str()
        {
            "delete-insert" => MergeStrategy::DeleteInsert,
            "upsert" => MergeStrategy::Upsert,
            "insert-only" => MergeStrategy::InsertOnly,
            _ => {
                cx.error(
                    node.span,
                    path,
                    "merge strategy `scd2` is not supported yet",
                    Some(format!("use one of {}", list(&STRATEGIES[..3]))),
                );
                return None;
            }
        },
    )
}

/// `write_disposition` as a string or an object.
pub(crate) fn write_disposition(
    cx: &mut Cx<'_>,
    node: &Node,
    path: &str,
) -> Option<WriteDispositionConfig> {
    if let Kind::Object(_) = node.kind {
        let o = cx.object(node, path, "`write_disposition`", WRITE_DISPOSITION_KEYS)?;
        let disposition = cx.req(&o, "disposition", "`write_disposition`", disposition);
        let strategy = cx.opt(&o, "strategy", strategy);
        let deduplicated = cx.opt(&o, "deduplicated", Cx::boolean);
        return Some(WriteDispositionConfig::Object(WriteDispositionObject {
            disposition: disposition?,
            strategy,
            deduplicated,
        }));
    }
    disposition(cx, node, path).map(WriteDispositionConfig::Name)
}

/// `columns` as a map by name or a list carrying `name`.
pub(crate) fn columns(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<ColumnsConfig> {
    match &node.kind {
        Kind::Object(entries) => {
            let mut out = indexmap::IndexMap::new();
            let mut ok = true;
            for e in entries {
                let p = child(path, &e.key);
                match column(cx, &e.value, &p) {
                    Some(h) => {
                        if let (Some(n), Some(name_node)) = (&h.name, field(&e.value, "name")) {
                            if *n != e.key {
                                let msg = format!(
                                    "column `name` is `{n}` but the column is declared as `{}`",
                                    e.key
                                );
                                cx.error(name_node.span, &child(&p, "name"), msg, None);
                                ok = false;
                            }
                        }
                        out.insert(e.key.clone(), h);
                    }
                    None => ok = false,
                }
            }
            ok.then_some(ColumnsConfig::Map(out))
        }
        Kind::Array(items) => {
            let mut out = Vec::new();
            let mut ok = true;
            for (i, item) in items.iter().enumerate() {
                let p = format!("{path}[{i}]");
                match column(cx, item, &p) {
                    Some(h) if h.name.is_none() => {
                        cx.error(
                            super::opening(item.span),
                            &p,
                            "missing required key `name` in a column of the list form",
                            None,
                        );
                        ok = false;
                    }
                    Some(h) => out.push(h),
                    None => ok = false,
                }
            }
            ok.then_some(ColumnsConfig::List(out))
        }
        other => {
            let msg = format!(
                "expected columns as an object by name or a list, found {}",
                other.describe()
            );
            cx.error(node.span, path, msg, None);
            None
        }
    }
}

fn field<'n>(node: &'n Node, key: &str) -> Option<&'n Node> {
    match &node.kind {
        Kind::Object(entries) => entries.iter().find(|e| e.key == key).map(|e| &e.value),
        _ => None,
    }
}

fn data_type(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<DataType> {
    Some(
        match cx.one_of(node, path, "data type", DATA_TYPES)?.as_str() {
            "text" => DataType::Text,
            "double" => DataType::Double,
            "bool" => DataType::Bool,
            "timestamp" => DataType::Timestamp,
            "bigint" => DataType::Bigint,
            "binary" => DataType::Binary,
            "json" => DataType::Json,
            "decimal" => DataType::Decimal,
            "date" => DataType::Date,
            "time" => DataType::Time,
            _ => DataType::Wei,
        },
    )
}

fn sort_order(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<SortOrder> {
    Some(
        match cx
            .one_of(node, path, "sort order", &["asc", "desc"])?
            .as_str()
        {
            "asc" => SortOrder::Asc,
            _ => SortOrder::Desc,
        },
    )
}

fn column(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<ColumnHints> {
    let o = cx.map(node, path, "column hints")?;
    let Kind::Object(entries) = &node.kind else {
        return None;
    };
    let mut other = indexmap::IndexMap::new();
    for e in entries {
        let k = e.key.as_str();
        if COLUMN_KEYS.contains(&k) {
            continue;
        }
        if OTHER_HINTS.contains(&k) || k.starts_with("x-") {
            other.insert(e.key.clone(), e.value.to_json());
            continue;
        }
        let mut allowed: Vec<&str> = COLUMN_KEYS.to_vec();
        allowed.extend_from_slice(OTHER_HINTS);
        let help = match suggest(k, &allowed) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("allowed keys: {} (and `x-*` hints)", list(&allowed)),
        };
        cx.error(
            e.key_span,
            &child(path, k),
            format!("unknown key `{k}` in column hints"),
            Some(help),
        );
    }
    Some(ColumnHints {
        name: cx.opt(&o, "name", Cx::string),
        data_type: cx.opt(&o, "data_type", data_type),
        nullable: cx.opt(&o, "nullable", Cx::boolean),
        precision: cx.opt(&o, "precision", Cx::u32),
        scale: cx.opt(&o, "scale", Cx::u32),
        timezone: cx.opt(&o, "timezone", Cx::boolean),
        primary_key: cx.opt(&o, "primary_key", Cx::boolean),
        merge_key: cx.opt(&o, "merge_key", Cx::boolean),
        unique: cx.opt(&o, "unique", Cx::boolean),
        hard_delete: cx.opt(&o, "hard_delete", Cx::boolean),
        dedup_sort: cx.opt(&o, "dedup_sort", sort_order),
        description: cx.opt(&o, "description", Cx::string),
        rust_name: cx.opt(&o, "rust_name", Cx::string),
        other,
    })
}
