//! How records become tables: dlt's `schema_contract` and `max_table_nesting`, and
//! restsource's `tables` mode.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use restsource_core::contract::{ContractMode, SchemaContract, TablesMode};

/// dlt's `schema_contract`: one mode for every kind of schema change (`"freeze"`), or a mode
/// per kind; a kind left out evolves. Applies when records are loaded as relational tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum SchemaContractConfig {
    /// One mode for new tables, new columns and new data types.
    All(ContractMode),
    /// A mode per kind of change.
    Each(ContractEntities),
}

/// `schema_contract` per kind of change.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractEntities {
    /// A new table (child tables included), or one that never received data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tables: Option<ContractMode>,
    /// A new column in a table that received data in an earlier load.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<ContractMode>,
    /// A value no existing column of its name can hold (a new variant column).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_type: Option<ContractMode>,
}

impl SchemaContractConfig {
    /// The contract it gives; kinds left out evolve, as in dlt.
    pub fn contract(&self) -> SchemaContract {
        match *self {
            SchemaContractConfig::All(mode) => SchemaContract::all(mode),
            SchemaContractConfig::Each(e) => SchemaContract {
                tables: e.tables.unwrap_or_default(),
                columns: e.columns.unwrap_or_default(),
                data_type: e.data_type.unwrap_or_default(),
            },
        }
    }
}
