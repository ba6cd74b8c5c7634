//! A table's Parquet files as a merge reads and rewrites them: batch by batch, so memory
//! holds one batch of a file and the open row group of its rewrite, not the file.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;
use deltalake::arrow::array::{BooleanArray, RecordBatch};
use deltalake::arrow::compute::filter_record_batch;
use deltalake::kernel::Add;
use deltalake::parquet::arrow::arrow_reader::ArrowReaderOptions;
use deltalake::parquet::arrow::async_reader::{
    AsyncFileReader, ParquetRecordBatchStream, ParquetRecordBatchStreamBuilder,
};
use deltalake::parquet::arrow::ProjectionMask;
use deltalake::parquet::errors::ParquetError;
use deltalake::parquet::file::metadata::{ParquetMetaData, ParquetMetaDataReader};
use deltalake::writer::DeltaWriter as _;
use deltalake::DeltaTable;
use futures::future::BoxFuture;
use futures::{FutureExt as _, StreamExt as _};
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt as _};

use super::super::LoadError;
use super::merge::err;
use super::table::{delta_err, parquet_writer};

/// A Parquet file in an object store, read by byte ranges: its footer, then each row group's
/// column chunks as the reader reaches them.
struct Ranges {
    store: Arc<dyn ObjectStore>,
    path: Path,
    size: u64,
}

fn parquet_err(e: object_store::Error) -> ParquetError {
    ParquetError::External(Box::new(e))
}

impl AsyncFileReader for Ranges {
    fn get_bytes(&mut self, range: Range<u64>) -> BoxFuture<'_, Result<Bytes, ParquetError>> {
        async move {
            self.store
                .get_range(&self.path, range)
                .await
                .map_err(parquet_err)
        }
        .boxed()
    }

    fn get_byte_ranges(
        &mut self,
        ranges: Vec<Range<u64>>,
    ) -> BoxFuture<'_, Result<Vec<Bytes>, ParquetError>> {
        async move {
            self.store
                .get_ranges(&self.path, &ranges)
                .await
                .map_err(parquet_err)
        }
        .boxed()
    }

    fn get_metadata<'a>(
        &'a mut self,
        options: Option<&'a ArrowReaderOptions>,
    ) -> BoxFuture<'a, Result<Arc<ParquetMetaData>, ParquetError>> {
        async move {
            let size = self.size;
            let metadata = ParquetMetaDataReader::new()
                .with_arrow_reader_options(options)
                .load_and_finish(self, size)
                .await?;
            Ok(Arc::new(metadata))
        }
        .boxed()
    }
}

/// A Parquet file of a table, fetched in ranges and decoded as its batches are taken.
pub(super) struct FileBatches {
    table: String,
    path: Path,
    stream: ParquetRecordBatchStream<Ranges>,
}

impl FileBatches {
    /// The next batch, `None` after the last.
    pub async fn next(&mut self) -> Result<Option<RecordBatch>, LoadError> {
        match self.stream.next().await {
            None => Ok(None),
            Some(Ok(batch)) => Ok(Some(batch)),
            Some(Err(e)) => Err(err(&self.table, format!("{}: {e}", self.path))),
        }
    }
}

/// A Parquet file of a table: its path relative to the table's root and its size, both from
/// the Delta log (so reading it needs no request for its size).
pub(super) struct TableFile {
    path: Path,
    size: u64,
}

impl TableFile {
    /// The file an `add` action (the log's, or a run's about to be committed) names.
    pub fn added(table: &str, add: &Add) -> Result<Self, LoadError> {
        let path =
            Path::from_url_path(&add.path).map_err(|e| err(table, format!("{}: {e}", add.path)))?;
        Self::at(table, path, add.size)
    }

    /// The file at `path`, `size` bytes long as the log says.
    pub fn at(table: &str, path: Path, size: i64) -> Result<Self, LoadError> {
        let size = u64::try_from(size)
            .map_err(|_| err(table, format!("{path}: the log gives it {size} bytes")))?;
        Ok(TableFile { path, size })
    }
}

/// Opens a Parquet file of `table`, only `columns` when given (a column the file lacks, added
/// to the table after it was written, is left out).
pub(super) async fn read_file(
    table: &str,
    store: &Arc<dyn ObjectStore>,
    file: &TableFile,
    columns: Option<&[String]>,
) -> Result<FileBatches, LoadError> {
    let path = &file.path;
    let failed = |e: &dyn std::fmt::Display| err(table, format!("{path}: {e}"));
    let reader = Ranges {
        store: store.clone(),
        path: path.clone(),
        size: file.size,
    };
    let mut builder = ParquetRecordBatchStreamBuilder::new(reader)
        .await
        .map_err(|e| failed(&e))?;
    if let Some(columns) = columns {
        let schema = builder.parquet_schema();
        let indices: Vec<usize> = (0..schema.num_columns())
            .filter(|i| columns.iter().any(|c| c == schema.column(*i).name()))
            .collect();
        let mask = ProjectionMask::leaves(schema, indices);
        builder = builder.with_projection(mask);
    }
    let stream = builder.build().map_err(|e| failed(&e))?;
    Ok(FileBatches {
        table: table.to_string(),
        path: path.clone(),
        stream,
    })
}

/// Writes the rows of `file` that `keep` marks (one flag per row of each batch) as new files
/// of `table`: their `add` actions, none when no row is kept.
pub(super) async fn rewrite(
    table: &DeltaTable,
    name: &str,
    mut file: FileBatches,
    options: &HashMap<String, String>,
    mut keep: impl FnMut(&RecordBatch) -> Result<Vec<bool>, LoadError>,
) -> Result<Vec<Add>, LoadError> {
    let mut writer = None;
    while let Some(batch) = file.next().await? {
        let mask = BooleanArray::from(keep(&batch)?);
        let kept = filter_record_batch(&batch, &mask).map_err(|e| err(name, e))?;
        if kept.num_rows() == 0 {
            continue;
        }
        let w = match &mut writer {
            Some(w) => w,
            None => writer.insert(parquet_writer(
                name,
                table.table_url().as_str(),
                kept.schema(),
                options,
            )?),
        };
        w.write(kept).await.map_err(delta_err(name))?;
    }
    match writer {
        Some(mut w) => w.flush().await.map_err(delta_err(name)),
        None => Ok(Vec::new()),
    }
}
