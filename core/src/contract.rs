//! Schema contracts as dlt has them (`schema_contract`): what a load may do when the data
//! brings a new table, a new column or a value of another type than its column's.

/// What happens when a record would change the schema in one way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
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
