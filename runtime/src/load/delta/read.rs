//! Reading a Delta table back through delta-rs's own log replay (which files the current
//! version holds) and the `parquet` crate (their rows), independently of how the writer
//! built them: for checks, tests and small tables (the rows are returned in memory).

use deltalake::arrow::array::RecordBatch;
use deltalake::arrow::json::ArrayWriter;
use deltalake::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use futures::TryStreamExt as _;
use object_store::ObjectStoreExt as _;

use super::super::LoadError;
use super::location::{register_s3, DeltaLocation};
use super::table::{delta_err, open, APP_ID};

/// A table as a reader sees it: its current version, the last restsource run (`txn`
/// version) committed to it, and its rows as JSON objects in arrow-json's rendering
/// (timestamps and dates as ISO text, decimals as text), nulls left out.
#[derive(Debug, Clone)]
pub struct TableContents {
    /// The table's current version.
    pub version: u64,
    /// The sequence number of the last unsharded restsource run committed to the table (a
    /// shard's commits carry their own app id, `restsource shard I/N`).
    pub run: Option<i64>,
    /// Every row of the current version.
    pub rows: Vec<serde_json::Map<String, serde_json::Value>>,
    /// The table's columns in order, each with its Delta type as the log writes it
    /// (`long`, `string`, `timestamp`, `decimal(38,9)`, ...).
    pub columns: Vec<(String, String)>,
}

/// `batch` with its decimal columns cast to text: arrow-json writes decimals as JSON
/// numbers, which serde_json would read as floats, losing digits and the scale.
fn decimals_as_text(
    batch: &RecordBatch,
) -> Result<RecordBatch, deltalake::arrow::error::ArrowError> {
    use deltalake::arrow::datatypes::{DataType, Field, Schema};
    let schema = batch.schema();
    let mut fields = Vec::with_capacity(schema.fields().len());
    let mut columns = Vec::with_capacity(schema.fields().len());
    for (field, column) in schema.fields().iter().zip(batch.columns()) {
        if matches!(field.data_type(), DataType::Decimal128(..)) {
            columns.push(deltalake::arrow::compute::cast(column, &DataType::Utf8)?);
            fields.push(Field::new(
                field.name(),
                DataType::Utf8,
                field.is_nullable(),
            ));
        } else {
            columns.push(column.clone());
            fields.push(field.as_ref().clone());
        }
    }
    RecordBatch::try_new(std::sync::Arc::new(Schema::new(fields)), columns)
}

/// Reads table `table` under `location`, or `None` when there is no such Delta table.
pub async fn read_table(
    location: &DeltaLocation,
    table: &str,
) -> Result<Option<TableContents>, LoadError> {
    if matches!(location, DeltaLocation::S3 { .. }) {
        register_s3();
    }
    let url = location
        .root_url()?
        .join(&format!("{table}/"))
        .map_err(|e| LoadError::Delta {
            table: table.to_string(),
            message: e.to_string(),
        })?;
    let options = location.storage_options();
    let Some(t) = open(table, &url, &options).await? else {
        return Ok(None);
    };
    let snapshot = t.snapshot().map_err(delta_err(table))?;
    let run = snapshot
        .transaction_version(t.log_store().as_ref(), APP_ID)
        .await
        .map_err(delta_err(table))?;
    let files: Vec<_> = t
        .get_active_add_actions_by_partitions(&[])
        .map_ok(|f| f.object_store_path())
        .try_collect()
        .await
        .map_err(delta_err(table))?;
    let store = t.object_store();
    let mut batches: Vec<RecordBatch> = Vec::new();
    for path in files {
        let bytes = store
            .get(&path)
            .await
            .map_err(|e| LoadError::Delta {
                table: table.to_string(),
                message: format!("{path}: {e}"),
            })?
            .bytes()
            .await
            .map_err(|e| LoadError::Delta {
                table: table.to_string(),
                message: format!("{path}: {e}"),
            })?;
        let reader = ParquetRecordBatchReaderBuilder::try_new(bytes)
            .and_then(|b| b.build())
            .map_err(|e| LoadError::Delta {
                table: table.to_string(),
                message: format!("{path}: {e}"),
            })?;
        for batch in reader {
            batches.push(batch.map_err(|e| LoadError::Delta {
                table: table.to_string(),
                message: format!("{path}: {e}"),
            })?);
        }
    }
    let mut writer = ArrayWriter::new(Vec::new());
    for batch in &batches {
        let batch = decimals_as_text(batch).map_err(|e| LoadError::Delta {
            table: table.to_string(),
            message: e.to_string(),
        })?;
        writer.write(&batch).map_err(|e| LoadError::Delta {
            table: table.to_string(),
            message: e.to_string(),
        })?;
    }
    writer.finish().map_err(|e| LoadError::Delta {
        table: table.to_string(),
        message: e.to_string(),
    })?;
    let raw = writer.into_inner();
    let rows = if raw.is_empty() {
        Vec::new()
    } else {
        serde_json::from_slice(&raw).map_err(|source| LoadError::Json {
            what: format!("rows of delta table `{table}`"),
            source,
        })?
    };
    let columns = snapshot
        .schema()
        .fields()
        .map(|f| (f.name().clone(), f.data_type().to_string()))
        .collect();
    Ok(Some(TableContents {
        version: snapshot.version(),
        run,
        rows,
        columns,
    }))
}
