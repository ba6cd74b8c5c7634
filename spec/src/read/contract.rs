//! `tables`, `schema_contract` and `max_table_nesting`: how records become tables.

use super::Cx;
use crate::model::{ContractEntities, ContractMode, SchemaContractConfig, TablesMode};
use crate::parse::{Kind, Node};

/// The kinds of change a `schema_contract` table may name.
pub(super) const CONTRACT_KEYS: &[&str] = &["tables", "columns", "data_type"];

/// `schema_contract`: a mode name, or a table of a mode per kind of change.
pub(super) fn schema_contract(
    cx: &mut Cx<'_>,
    node: &Node,
    path: &str,
) -> Option<SchemaContractConfig> {
    if let Kind::Str(_) = node.kind {
        return mode(cx, node, path).map(SchemaContractConfig::All);
    }
    let o = cx.object(node, path, "`schema_contract`", CONTRACT_KEYS)?;
    let before = cx.diags.len();
    let e = ContractEntities {
        tables: cx.opt(&o, "tables", mode),
        columns: cx.opt(&o, "columns", mode),
        data_type: cx.opt(&o, "data_type", mode),
    };
    (cx.diags.len() == before).then_some(SchemaContractConfig::Each(e))
}

fn mode(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<ContractMode> {
    let names: Vec<&str> = ContractMode::NAMES.iter().map(|(n, _)| *n).collect();
    let name = cx.one_of(node, path, "schema contract mode", &names)?;
    ContractMode::from_name(&name)
}

/// `tables`: `json`, `relational` or `dlt`.
pub(super) fn tables(cx: &mut Cx<'_>, node: &Node, path: &str) -> Option<TablesMode> {
    let names: Vec<&str> = TablesMode::NAMES.iter().map(|(n, _)| *n).collect();
    let name = cx.one_of(node, path, "tables mode", &names)?;
    TablesMode::from_name(&name)
}
