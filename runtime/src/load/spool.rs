//! A run's messages kept on disk while it extracts, loaded once extraction is over: how
//! shards of one resource extract at the same time and still load one after another.
//!
//! Without a spool a run holds its tables' locks from the first page to the commit, so two
//! runs that write the same table (the shards of a split child resource) would extract one
//! after the other. A spooled run reads the stored state without locks, extracts every page
//! into an unlinked temporary file, then takes the locks, reads the state again and loads the
//! file in one unit. If anything it extracted from moved meanwhile (another run of the same
//! shard committed first), it writes nothing and fails with [`LoadError::StateMoved`].
//!
//! Memory stays bounded by one page: pages are written as they come and read back one at a
//! time. A record is kept as the sequence of [`RowWriter`] calls it made, so the load replays
//! exactly what the generated code wrote, with no JSON round trip.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;

use chrono::DateTime;

use super::spool_cells::{put_str, put_timestamp, Decoder, Discard, Encoder};
use super::writer::{Messages, Msg};
use super::LoadError;
use crate::def::ResourceDef;
use crate::extract::RowBatch;
use crate::record::RowWriter;

const PAGE: u8 = 1;
const DONE: u8 = 2;
const AUTH: u8 = 3;
const STATE: u8 = 4;
const FINISH: u8 = 5;

/// The spool of one run: written while the run extracts, then read back once.
pub(crate) struct Spool {
    path: TempPath,
    out: BufWriter<File>,
    /// The run's resources; a page names its resource by index here.
    defs: Vec<&'static ResourceDef>,
    /// One record's bytes, reused.
    row: Vec<u8>,
    /// One page's bytes, reused.
    page: Vec<u8>,
}

impl Spool {
    /// A new, empty spool in the system's temporary directory for the run `load_id` of
    /// `defs`. The file is unlinked at once where the system allows it, so a killed process
    /// leaves nothing behind.
    pub fn create(load_id: &str, defs: Vec<&'static ResourceDef>) -> Result<Spool, LoadError> {
        let path =
            std::env::temp_dir().join(format!("restsource-spool-{}-{load_id}", std::process::id()));
        let file = File::options()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| LoadError::io(&path, e))?;
        #[cfg(unix)]
        std::fs::remove_file(&path).map_err(|e| LoadError::io(&path, e))?;
        Ok(Spool {
            path: TempPath(path),
            out: BufWriter::with_capacity(1 << 16, file),
            defs,
            row: Vec::new(),
            page: Vec::new(),
        })
    }

    fn index(&self, def: &ResourceDef) -> Result<u32, LoadError> {
        self.defs
            .iter()
            .position(|d| d.name == def.name)
            .map(|i| i as u32)
            .ok_or_else(|| LoadError::Config {
                resource: def.name.to_string(),
                message: "a page of a resource this spooled run did not start with".to_string(),
            })
    }

    /// Appends `msg`. A checkpoint cannot be spooled (it commits mid-run): resources with
    /// `checkpoint` are loaded directly.
    pub fn push(&mut self, msg: Msg) -> Result<(), LoadError> {
        let mut head = Vec::new();
        match msg {
            Msg::Page { def, batch, at, .. } => {
                head.push(PAGE);
                head.extend_from_slice(&self.index(def)?.to_le_bytes());
                put_timestamp(&mut head, &at);
                head.extend_from_slice(&(batch.len() as u32).to_le_bytes());
                self.page.clear();
                for i in 0..batch.len() {
                    self.row.clear();
                    batch.write_row(i, &mut Encoder(&mut self.row));
                    self.page
                        .extend_from_slice(&(self.row.len() as u32).to_le_bytes());
                    self.page.extend_from_slice(&self.row);
                }
                head.extend_from_slice(&(self.page.len() as u64).to_le_bytes());
                self.write(&head)?;
                let page = std::mem::take(&mut self.page);
                let written = self.write(&page);
                self.page = page;
                written
            }
            Msg::Done { def, state } => {
                head.push(DONE);
                head.extend_from_slice(&self.index(def)?.to_le_bytes());
                match state {
                    Some(state) => {
                        head.push(1);
                        put_str(&mut head, &state.to_string());
                    }
                    None => head.push(0),
                }
                self.write(&head)
            }
            Msg::AuthState(state) => {
                head.push(AUTH);
                put_str(&mut head, &state.to_string());
                self.write(&head)
            }
            Msg::State { key, state } => {
                head.push(STATE);
                put_str(&mut head, &key);
                put_str(&mut head, &state.to_string());
                self.write(&head)
            }
            Msg::Finish { failed } => self.write(&[FINISH, u8::from(failed)]),
            Msg::Checkpoint { def, .. } => Err(LoadError::Config {
                resource: def.name.to_string(),
                message: "a resource with `checkpoint` cannot be spooled".to_string(),
            }),
        }
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), LoadError> {
        self.out
            .write_all(bytes)
            .map_err(|e| LoadError::io(&self.path.0, e))
    }

    /// Everything pushed, from the start; with `skip_rows`, only what a failed run still
    /// stores (the auth state and the end).
    pub fn replay(self, skip_rows: bool) -> Result<Replay, LoadError> {
        let path = self.path;
        let mut file = self
            .out
            .into_inner()
            .map_err(|e| LoadError::io(&path.0, e.into_error()))?;
        file.seek(SeekFrom::Start(0))
            .map_err(|e| LoadError::io(&path.0, e))?;
        Ok(Replay {
            input: BufReader::with_capacity(1 << 16, file),
            path,
            defs: self.defs,
            skip_rows,
        })
    }
}

/// The spool file's path: where the system cannot unlink an open file, it is removed when
/// the spool (or its replay) is dropped.
struct TempPath(PathBuf);

impl Drop for TempPath {
    fn drop(&mut self) {
        #[cfg(not(unix))]
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A spool read back, message by message, for the writer loop.
pub(crate) struct Replay {
    input: BufReader<File>,
    path: TempPath,
    defs: Vec<&'static ResourceDef>,
    skip_rows: bool,
}

impl Replay {
    fn bytes<const N: usize>(&mut self) -> Result<[u8; N], LoadError> {
        let mut b = [0u8; N];
        self.input
            .read_exact(&mut b)
            .map_err(|e| LoadError::io(&self.path.0, e))?;
        Ok(b)
    }

    fn u32(&mut self) -> Result<u32, LoadError> {
        Ok(u32::from_le_bytes(self.bytes()?))
    }

    fn vec(&mut self, len: usize) -> Result<Vec<u8>, LoadError> {
        let mut v = vec![0u8; len];
        self.input
            .read_exact(&mut v)
            .map_err(|e| LoadError::io(&self.path.0, e))?;
        Ok(v)
    }

    fn string(&mut self) -> Result<String, LoadError> {
        let len = self.u32()? as usize;
        String::from_utf8(self.vec(len)?).map_err(|_| self.corrupt())
    }

    fn json(&mut self) -> Result<serde_json::Value, LoadError> {
        let text = self.string()?;
        serde_json::from_str(&text).map_err(|_| self.corrupt())
    }

    fn def(&mut self) -> Result<&'static ResourceDef, LoadError> {
        let i = self.u32()? as usize;
        self.defs.get(i).copied().ok_or_else(|| self.corrupt())
    }

    fn corrupt(&self) -> LoadError {
        LoadError::io(
            &self.path.0,
            std::io::Error::new(std::io::ErrorKind::InvalidData, "the spool file is corrupt"),
        )
    }

    fn read(&mut self) -> Result<Option<Msg>, LoadError> {
        let [tag] = match self.bytes::<1>() {
            Ok(b) => b,
            Err(LoadError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::UnexpectedEof =>
            {
                return Ok(None)
            }
            Err(e) => return Err(e),
        };
        Ok(Some(match tag {
            PAGE => {
                let def = self.def()?;
                let at = {
                    let secs = i64::from_le_bytes(self.bytes()?);
                    let nanos = self.u32()?;
                    DateTime::from_timestamp(secs, nanos).ok_or_else(|| self.corrupt())?
                };
                let rows = self.u32()? as usize;
                let len = u64::from_le_bytes(self.bytes()?) as usize;
                let bytes = self.vec(len)?;
                let batch = SpooledPage::new(bytes, rows).ok_or_else(|| self.corrupt())?;
                Msg::Page {
                    def,
                    batch: Box::new(batch),
                    at,
                    flat: None,
                }
            }
            DONE => {
                let def = self.def()?;
                let [has] = self.bytes::<1>()?;
                let state = if has == 1 { Some(self.json()?) } else { None };
                Msg::Done { def, state }
            }
            AUTH => Msg::AuthState(self.json()?),
            STATE => {
                let key = self.string()?;
                let state = self.json()?;
                Msg::State { key, state }
            }
            FINISH => {
                let [failed] = self.bytes::<1>()?;
                Msg::Finish {
                    failed: failed == 1,
                }
            }
            _ => return Err(self.corrupt()),
        }))
    }
}

impl Messages for Replay {
    fn next_msg(&mut self) -> Result<Option<Msg>, LoadError> {
        loop {
            let msg = self.read()?;
            let skipped = self.skip_rows
                && matches!(
                    msg,
                    Some(Msg::Page { .. } | Msg::Done { .. } | Msg::State { .. })
                );
            if !skipped {
                return Ok(msg);
            }
        }
    }
}

/// One spooled page: the records' bytes and where each starts.
struct SpooledPage {
    bytes: Vec<u8>,
    starts: Vec<(usize, usize)>,
}

impl SpooledPage {
    /// `None` when the bytes do not hold `rows` well-formed records.
    fn new(bytes: Vec<u8>, rows: usize) -> Option<SpooledPage> {
        let mut starts = Vec::with_capacity(rows);
        let mut at = 0usize;
        for _ in 0..rows {
            let len = u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?) as usize;
            let start = at + 4;
            let end = start.checked_add(len)?;
            // Checked once here, so replaying a record cannot meet a malformed cell.
            let mut d = Decoder(bytes.get(start..end)?);
            while !d.0.is_empty() {
                d.cell(&mut Discard)?;
            }
            starts.push((start, end));
            at = end;
        }
        (at == bytes.len()).then_some(SpooledPage { bytes, starts })
    }
}

impl RowBatch for SpooledPage {
    fn len(&self) -> usize {
        self.starts.len()
    }

    fn write_row(&self, index: usize, row: &mut dyn RowWriter) {
        let Some(&(start, end)) = self.starts.get(index) else {
            return;
        };
        let mut d = Decoder(&self.bytes[start..end]);
        while !d.0.is_empty() {
            if d.cell(row).is_none() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Extra;
    use chrono::{NaiveDate, NaiveTime, Utc};

    /// Records every call as text, to compare what was written with what was replayed.
    #[derive(Default)]
    struct Log(Vec<String>);

    impl RowWriter for Log {
        fn null(&mut self) {
            self.0.push("null".into())
        }
        fn bool(&mut self, v: bool) {
            self.0.push(format!("bool {v}"))
        }
        fn i64(&mut self, v: i64) {
            self.0.push(format!("i64 {v}"))
        }
        fn f64(&mut self, v: f64) {
            self.0.push(format!("f64 {v:?}"))
        }
        fn text(&mut self, v: &str) {
            self.0.push(format!("text {v}"))
        }
        fn bytes(&mut self, v: &[u8]) {
            self.0.push(format!("bytes {v:?}"))
        }
        fn json(&mut self, v: &serde_json::Value) {
            self.0.push(format!("json {v}"))
        }
        fn timestamp(&mut self, v: &DateTime<Utc>) {
            self.0.push(format!("timestamp {v:?}"))
        }
        fn date(&mut self, v: &NaiveDate) {
            self.0.push(format!("date {v}"))
        }
        fn time(&mut self, v: &NaiveTime) {
            self.0.push(format!("time {v}"))
        }
        fn decimal(&mut self, v: &rust_decimal::Decimal) {
            self.0.push(format!("decimal {v}"))
        }
        fn extras(&mut self, v: &Extra) {
            self.0.push(format!("extras {:?}", v.as_json()))
        }
    }

    /// A page whose records write every kind of cell.
    struct Every;

    impl RowBatch for Every {
        fn len(&self) -> usize {
            2
        }
        fn write_row(&self, index: usize, row: &mut dyn RowWriter) {
            row.i64(index as i64 - 7);
            row.null();
            row.bool(index == 1);
            row.f64(0.1 + index as f64);
            row.text("héllo");
            row.bytes(&[0, 255]);
            row.json(&serde_json::json!({"a": [1, 2.5, null]}));
            row.timestamp(&DateTime::from_timestamp(1_700_000_000, 123_456_789).unwrap());
            row.date(&NaiveDate::from_ymd_opt(1969, 12, 31).unwrap());
            row.time(&NaiveTime::from_hms_nano_opt(23, 59, 58, 5).unwrap());
            row.decimal(&"-12.3400".parse().unwrap());
            let mut extra = Extra::new();
            if index == 1 {
                extra.insert("x".into(), serde_json::json!("y"));
            }
            row.extras(&extra);
        }
    }

    fn calls(batch: &dyn RowBatch) -> Vec<Vec<String>> {
        (0..batch.len())
            .map(|i| {
                let mut log = Log::default();
                batch.write_row(i, &mut log);
                log.0
            })
            .collect()
    }

    static DEF: ResourceDef =
        crate::test_defs::resource("things", crate::def::Disposition::Append, None);

    #[test]
    fn a_replayed_spool_makes_the_same_calls_and_messages_in_order() {
        let def: &'static ResourceDef = &DEF;
        let mut spool = Spool::create("test-spool-1", vec![def]).unwrap();
        let at = DateTime::from_timestamp(1_600_000_000, 42).unwrap();
        spool
            .push(Msg::Page {
                def,
                batch: Box::new(Every),
                at,
                flat: None,
            })
            .unwrap();
        spool
            .push(Msg::AuthState(serde_json::json!({"t": 1})))
            .unwrap();
        spool
            .push(Msg::State {
                key: "things@1/4".into(),
                state: serde_json::json!({"last_value": 3}),
            })
            .unwrap();
        spool
            .push(Msg::Done {
                def,
                state: Some(serde_json::json!({"last_value": 9})),
            })
            .unwrap();
        spool.push(Msg::Finish { failed: false }).unwrap();
        let mut replay = spool.replay(false).unwrap();
        let mut seen = Vec::new();
        while let Some(msg) = replay.next_msg().unwrap() {
            seen.push(match msg {
                Msg::Page {
                    def, batch, at: a, ..
                } => {
                    assert_eq!(a, at);
                    assert_eq!(calls(batch.as_ref()), calls(&Every));
                    format!("page {}", def.name)
                }
                Msg::Done { def, state } => format!("done {} {state:?}", def.name),
                Msg::AuthState(s) => format!("auth {s}"),
                Msg::State { key, state } => format!("state {key} {state}"),
                Msg::Finish { failed } => format!("finish {failed}"),
                Msg::Checkpoint { .. } => "checkpoint".into(),
            });
        }
        assert_eq!(
            seen,
            [
                "page things",
                r#"auth {"t":1}"#,
                r#"state things@1/4 {"last_value":3}"#,
                r#"done things Some(Object {"last_value": Number(9)})"#,
                "finish false",
            ]
        );
        let expected = calls(&Every);
        assert_eq!(expected[1][11], r#"extras Some("{\"x\":\"y\"}")"#);
        assert_eq!(expected[0][11], "extras None");
    }

    #[test]
    fn a_failed_spool_replays_only_the_auth_state_and_the_end() {
        let def: &'static ResourceDef = &DEF;
        let mut spool = Spool::create("test-spool-2", vec![def]).unwrap();
        spool
            .push(Msg::Page {
                def,
                batch: Box::new(Every),
                at: Utc::now(),
                flat: None,
            })
            .unwrap();
        spool.push(Msg::Done { def, state: None }).unwrap();
        spool.push(Msg::AuthState(serde_json::json!(1))).unwrap();
        spool.push(Msg::Finish { failed: true }).unwrap();
        let mut replay = spool.replay(true).unwrap();
        let mut seen = Vec::new();
        while let Some(msg) = replay.next_msg().unwrap() {
            seen.push(match msg {
                Msg::AuthState(s) => format!("auth {s}"),
                Msg::Finish { failed } => format!("finish {failed}"),
                _ => "other".to_string(),
            });
        }
        assert_eq!(seen, ["auth 1", "finish true"]);
    }

    #[test]
    fn malformed_page_bytes_are_refused_not_replayed() {
        let mut bytes = Vec::new();
        Every.write_row(0, &mut Encoder(&mut bytes));
        let mut page = (bytes.len() as u32).to_le_bytes().to_vec();
        page.extend_from_slice(&bytes);
        assert!(SpooledPage::new(page.clone(), 1).is_some());
        assert!(SpooledPage::new(page.clone(), 2).is_none());
        page.truncate(page.len() - 3);
        assert!(SpooledPage::new(page, 1).is_none());
    }
}
