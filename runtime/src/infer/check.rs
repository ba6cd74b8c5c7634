//! What a sample found that the committed tables file does not hold: the report of
//! `restsource infer --check`.

use std::fmt;

use super::TablesFile;
use crate::def::DataType;
use crate::normalize::SystemColumns;

/// One way the API's data no longer fits the committed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Difference {
    /// A table the file does not list (a new list field, or a resource never inferred).
    NewTable {
        /// The resource.
        resource: String,
        /// The table.
        table: String,
    },
    /// A column the file does not list (a new field).
    NewColumn {
        /// The resource.
        resource: String,
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// Its inferred type.
        data_type: DataType,
    },
    /// Values of a listed column arrived that its type cannot hold (so a load would put them
    /// in the variant column `<column>__v_<type>`).
    TypeChanged {
        /// The resource.
        resource: String,
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// The type the file gives it.
        committed: DataType,
        /// The type of the values that did not fit.
        seen: DataType,
    },
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Difference::NewTable { resource, table } => {
                write!(f, "resource `{resource}`: new table `{table}`")
            }
            Difference::NewColumn {
                resource,
                table,
                column,
                data_type,
            } => write!(
                f,
                "resource `{resource}`, table `{table}`: new column `{column}` ({})",
                data_type.name()
            ),
            Difference::TypeChanged {
                resource,
                table,
                column,
                committed,
                seen,
            } => write!(
                f,
                "resource `{resource}`, table `{table}`: column `{column}` is {} in the file, \
                 but the API sent {} values",
                committed.name(),
                seen.name()
            ),
        }
    }
}

impl TablesFile {
    /// What `sampled` (a sample normalized on top of `self`) holds beyond `self`, in table and
    /// column order. Columns the sample did not see are no difference: a sample is a few
    /// pages, and an optional field may simply be absent from them.
    pub fn differences(&self, sampled: &TablesFile, system: &SystemColumns) -> Vec<Difference> {
        let mut out = Vec::new();
        for (resource, schema) in sampled.resources() {
            let committed = self.schema(resource);
            for table in schema.tables() {
                let Some(known) = committed.and_then(|s| s.table(&table.name)) else {
                    if table.columns().iter().any(|c| !system.contains(&c.name)) {
                        out.push(Difference::NewTable {
                            resource: resource.to_string(),
                            table: table.name.clone(),
                        });
                    }
                    continue;
                };
                for c in table.columns() {
                    if system.contains(&c.name) || known.column(&c.name).is_some() {
                        continue;
                    }
                    let base = c
                        .variant
                        .then(|| c.name.rsplit_once("__v_").map(|(b, _)| b))
                        .flatten()
                        .and_then(|b| known.column(b));
                    out.push(match base {
                        Some(b) => Difference::TypeChanged {
                            resource: resource.to_string(),
                            table: table.name.clone(),
                            column: b.name.clone(),
                            committed: b.data_type,
                            seen: c.data_type,
                        },
                        None => Difference::NewColumn {
                            resource: resource.to_string(),
                            table: table.name.clone(),
                            column: c.name.clone(),
                            data_type: c.data_type,
                        },
                    });
                }
            }
        }
        out
    }
}
