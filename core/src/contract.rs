//! Schema contracts as dlt has them (`schema_contract`): what a load may do when the data
//! brings a new table, a new column or a value of another type than its column's.

// A plain comment: the spec's model names this type too (feature `model`), and the doc
// comment is the JSON Schema's description.
/// What a load does when a record would change the schema: `evolve` (the default),
/// `freeze` (fail the run before any of its rows is written), `discard_row`, `discard_value`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "model",
    derive(serde::Serialize, serde::Deserialize, schemars::JsonSchema)
)]
#[cfg_attr(feature = "model", serde(rename_all = "snake_case"))]
pub enum ContractMode {
    /// The schema changes (the default).
    #[default]
    Evolve,
    /// The run fails before any of its rows is written, naming the table, column and value.
    Freeze,
    /// The record that would change the schema is dropped, with its child rows.
    DiscardRow,
    /// Only the value that would change the schema is dropped (a new table: all of its rows).
    DiscardValue,
}

impl ContractMode {
    /// The spec's name of each mode.
    pub const NAMES: [(&'static str, ContractMode); 4] = [
        ("evolve", ContractMode::Evolve),
        ("freeze", ContractMode::Freeze),
        ("discard_row", ContractMode::DiscardRow),
        ("discard_value", ContractMode::DiscardValue),
    ];

    /// The mode named `name`.
    pub fn from_name(name: &str) -> Option<ContractMode> {
        Self::NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, m)| *m)
    }
}

/// A contract for each kind of schema change.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SchemaContract {
    /// A new table (child tables included), or one that has never received data.
    pub tables: ContractMode,
    /// A new column in a table that already received data in an earlier load.
    pub columns: ContractMode,
    /// A value that fits no existing column of its name: a new variant column.
    pub data_type: ContractMode,
}

impl SchemaContract {
    /// Every kind of change evolves the schema.
    pub const EVOLVE: SchemaContract = SchemaContract::all(ContractMode::Evolve);

    /// One mode for all three kinds (dlt's `schema_contract = "freeze"`).
    pub const fn all(mode: ContractMode) -> SchemaContract {
        SchemaContract {
            tables: mode,
            columns: mode,
            data_type: mode,
        }
    }
}

/// How a source's records become tables (spec key `tables`, overridden by a program's
/// `--tables`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "model",
    derive(serde::Serialize, serde::Deserialize, schemars::JsonSchema)
)]
#[cfg_attr(feature = "model", serde(rename_all = "snake_case"))]
pub enum TablesMode {
    /// The declared columns, typed, plus every undeclared field kept as JSON in one `_rs_extra`
    /// column: one table per resource.
    Json,
    /// dlt's normalization: nested objects flattened into `parent__child` columns, lists into
    /// child tables, every field typed by inference, restsource's system columns (`_rs_id`, ...).
    /// The default: what a data engineer coming from dlt or Airbyte expects of a spec that
    /// declares no columns.
    #[default]
    Relational,
    /// As `relational`, with dlt's system column and table names (`_dlt_id`, `_dlt_loads`, ...),
    /// so queries and dbt models written against a dlt dataset work unchanged.
    Dlt,
}

impl TablesMode {
    /// The spec's and the command line's name of each mode.
    pub const NAMES: [(&'static str, TablesMode); 3] = [
        ("json", TablesMode::Json),
        ("relational", TablesMode::Relational),
        ("dlt", TablesMode::Dlt),
    ];

    /// The mode named `name`.
    pub fn from_name(name: &str) -> Option<TablesMode> {
        Self::NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, m)| *m)
    }
}

/// How one resource's records become relational tables (used when the run's tables mode is
/// `relational` or `dlt`): dlt's `schema_contract` and `max_table_nesting`, resolved from the
/// resource, else the source, else dlt's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RelationalDef {
    /// What a load may change in the resource's tables.
    pub contract: SchemaContract,
    /// Levels of nested objects and lists that flatten into columns and child tables; deeper
    /// ones are stored as JSON.
    pub max_nesting: u32,
}

impl RelationalDef {
    /// dlt's defaults: every change evolves the schema, nesting 1000.
    pub const DEFAULT: RelationalDef = RelationalDef {
        contract: SchemaContract::EVOLVE,
        max_nesting: 1000,
    };
}

impl Default for RelationalDef {
    fn default() -> Self {
        RelationalDef::DEFAULT
    }
}
