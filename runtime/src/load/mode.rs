//! How each row of a resource is written: the effective write mode and, per row, which
//! statement to run. Shared by every destination so they agree on semantics.

// Loading code only the database destinations reach (a build without them samples only).
#![cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]

use super::LoadError;
use crate::def::{DataType, Disposition, MergeStrategy, ResourceDef};
use crate::record::RowWriter;

/// The effective write mode of a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Insert every row (also merge without any key, as dlt falls back to append).
    Append,
    /// Insert into staging, swap on completion.
    Replace,
    /// Delete other loads' rows by merge key, then replace by primary key (last row of a load
    /// wins unless `dedup_sort` decides).
    DeleteInsert,
    /// Insert or update by primary key.
    Upsert,
    /// Insert absent primary keys.
    InsertOnly,
}

/// A resource's write plan.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// Mode.
    pub mode: Mode,
    /// Index of the `hard_delete` column among the declared columns (merge modes only).
    pub hard_delete: Option<usize>,
    /// Primary key: parameter position (0-based) of each declared column, plus one slot for
    /// extras, `None` where the statement does not bind it.
    pub pk_params: Vec<Option<usize>>,
    /// Same for the merge key.
    pub mk_params: Vec<Option<usize>>,
}

impl Plan {
    /// The plan of `def` (not called for skip).
    pub fn of(def: &ResourceDef) -> Result<Plan, LoadError> {
        let has_pk = !def.primary_key.is_empty();
        let has_mk = !def.merge_key.is_empty();
        let mode = match def.write.disposition {
            Disposition::Append | Disposition::Skip => Mode::Append,
            Disposition::Replace => Mode::Replace,
            Disposition::Merge(_) if !has_pk && !has_mk => Mode::Append,
            Disposition::Merge(MergeStrategy::DeleteInsert) => Mode::DeleteInsert,
            Disposition::Merge(s) => {
                if !has_pk {
                    return Err(LoadError::Config {
                        resource: def.name.to_string(),
                        message: format!(
                            "merge strategy {} needs a primary_key",
                            if s == MergeStrategy::Upsert {
                                "upsert"
                            } else {
                                "insert-only"
                            }
                        ),
                    });
                }
                if s == MergeStrategy::Upsert {
                    Mode::Upsert
                } else {
                    Mode::InsertOnly
                }
            }
        };
        let is_merge = matches!(mode, Mode::DeleteInsert | Mode::Upsert | Mode::InsertOnly);
        let hard_delete = if is_merge {
            def.columns.iter().position(|c| c.hard_delete)
        } else {
            None
        };
        Ok(Plan {
            mode,
            hard_delete,
            pk_params: key_params(def, def.primary_key)?,
            mk_params: key_params(def, def.merge_key)?,
        })
    }
}

fn key_params(def: &ResourceDef, keys: &[&str]) -> Result<Vec<Option<usize>>, LoadError> {
    let mut params = vec![None; def.columns.len() + 1];
    for (pos, key) in keys.iter().enumerate() {
        let idx = def
            .columns
            .iter()
            .position(|c| c.sql_name == *key)
            .ok_or_else(|| LoadError::Config {
                resource: def.name.to_string(),
                message: format!("key column `{key}` is not a declared column"),
            })?;
        params[idx] = Some(pos);
    }
    Ok(params)
}

/// A [`RowWriter`] that only looks at one column and reports whether it flags a hard delete:
/// `true` for a bool column, any non-null value for other types.
pub(crate) struct HardDeleteProbe {
    target: usize,
    pos: usize,
    /// The verdict after `write_row`.
    pub delete: bool,
    is_bool: bool,
}

impl HardDeleteProbe {
    /// A probe for declared column `target` of `def`.
    pub fn new(def: &ResourceDef, target: usize) -> HardDeleteProbe {
        HardDeleteProbe {
            target,
            pos: 0,
            delete: false,
            is_bool: def
                .columns
                .get(target)
                .is_some_and(|c| c.data_type == DataType::Bool),
        }
    }

    fn see(&mut self, non_null: bool, bool_value: Option<bool>) {
        if self.pos == self.target {
            self.delete = if self.is_bool {
                bool_value == Some(true)
            } else {
                non_null
            };
        }
        self.pos += 1;
    }
}

impl RowWriter for HardDeleteProbe {
    fn null(&mut self) {
        self.see(false, None)
    }
    fn bool(&mut self, v: bool) {
        self.see(true, Some(v))
    }
    fn i64(&mut self, _: i64) {
        self.see(true, None)
    }
    fn f64(&mut self, _: f64) {
        self.see(true, None)
    }
    fn text(&mut self, _: &str) {
        self.see(true, None)
    }
    fn bytes(&mut self, _: &[u8]) {
        self.see(true, None)
    }
    fn json(&mut self, _: &serde_json::Value) {
        self.see(true, None)
    }
    fn timestamp(&mut self, _: &chrono::DateTime<chrono::Utc>) {
        self.see(true, None)
    }
    fn date(&mut self, _: &chrono::NaiveDate) {
        self.see(true, None)
    }
    fn time(&mut self, _: &chrono::NaiveTime) {
        self.see(true, None)
    }
    fn decimal(&mut self, _: &rust_decimal::Decimal) {
        self.see(true, None)
    }
    fn extras(&mut self, _: &crate::record::Extra) {}
}

/// Whether row `index` of `batch` is a hard delete under `plan`.
pub(crate) fn is_hard_delete(
    def: &ResourceDef,
    plan: &Plan,
    batch: &dyn crate::extract::RowBatch,
    index: usize,
) -> bool {
    match plan.hard_delete {
        Some(col) => {
            let mut probe = HardDeleteProbe::new(def, col);
            batch.write_row(index, &mut probe);
            probe.delete
        }
        None => false,
    }
}
