//! JSON-lines destination: `<dir>/<table>.jsonl`, one object per row (declared columns, then
//! `_rs_extra`, `_rs_load_id`, `_rs_extracted_at`), plus `_rs_state.json` (incremental state and
//! each file's committed length, replaced atomically) and `_rs_loads.jsonl` (one line per load).
//!
//! Exactly-once works by length: a resource's completion records its file's length in the
//! state file in the same atomic rename that stores its cursor; at the next start every table
//! file is cut back to its committed length. Replace writes `<table>.jsonl.staging` and renames
//! it over the table file on completion. Merge dispositions append (the file is a change log:
//! the last line per key wins), since rewriting a file per load would not stay bounded in memory.

use std::collections::{BTreeMap, HashMap};
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use chrono::{DateTime, Utc};

use super::mode::{Mode, Plan};
use super::writer::{LoadStatus, Writer};
use super::{text, LoadError};
use crate::def::ResourceDef;
use crate::extract::{RowBatch, StartState};
use crate::record::{Extra, RowWriter};

const STATE_FILE: &str = "_rs_state.json";
const LOADS_FILE: &str = "_rs_loads.jsonl";

#[derive(Default, serde::Serialize, serde::Deserialize)]
struct Manifest {
    state: BTreeMap<String, serde_json::Value>,
    committed: BTreeMap<String, u64>,
}

/// Writes JSON lines into a directory.
pub(crate) struct JsonlWriter {
    dir: PathBuf,
    manifest: Manifest,
    files: HashMap<String, BufWriter<File>>,
    plans: HashMap<&'static str, Plan>,
    load_id: String,
    started_at: String,
    line: Vec<u8>,
    text: String,
}

impl JsonlWriter {
    /// Opens (creating) `dir`.
    pub fn open(dir: &Path) -> Result<JsonlWriter, LoadError> {
        std::fs::create_dir_all(dir).map_err(|e| LoadError::io(dir, e))?;
        let state_path = dir.join(STATE_FILE);
        let manifest = match std::fs::read(&state_path) {
            Ok(raw) => serde_json::from_slice(&raw).map_err(|source| LoadError::Json {
                what: state_path.display().to_string(),
                source,
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Manifest::default(),
            Err(e) => return Err(LoadError::io(&state_path, e)),
        };
        Ok(JsonlWriter {
            dir: dir.to_path_buf(),
            manifest,
            files: HashMap::new(),
            plans: HashMap::new(),
            load_id: String::new(),
            started_at: String::new(),
            line: Vec::new(),
            text: String::new(),
        })
    }

    fn file_name(def: &ResourceDef, mode: Mode) -> String {
        match mode {
            Mode::Replace => format!("{}.jsonl.staging", def.table_name),
            _ => format!("{}.jsonl", def.table_name),
        }
    }

    /// Cuts every table file back to its committed length and removes staging files.
    fn recover(&mut self) -> Result<(), LoadError> {
        self.files.clear();
        let entries = std::fs::read_dir(&self.dir).map_err(|e| LoadError::io(&self.dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| LoadError::io(&self.dir, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            if name.ends_with(".jsonl.staging") || name.ends_with(".tmp") {
                std::fs::remove_file(&path).map_err(|e| LoadError::io(&path, e))?;
            } else if name.ends_with(".jsonl") && !name.starts_with("_rs_") {
                let keep = self.manifest.committed.get(&name).copied().unwrap_or(0);
                let file = OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .map_err(|e| LoadError::io(&path, e))?;
                let len = file.metadata().map_err(|e| LoadError::io(&path, e))?.len();
                if len > keep {
                    file.set_len(keep).map_err(|e| LoadError::io(&path, e))?;
                }
            }
        }
        Ok(())
    }

    fn save_manifest(&self) -> Result<(), LoadError> {
        let path = self.dir.join(STATE_FILE);
        let tmp = self.dir.join(format!("{STATE_FILE}.tmp"));
        let raw = serde_json::to_vec_pretty(&self.manifest).map_err(|source| LoadError::Json {
            what: path.display().to_string(),
            source,
        })?;
        let mut f = File::create(&tmp).map_err(|e| LoadError::io(&tmp, e))?;
        f.write_all(&raw).map_err(|e| LoadError::io(&tmp, e))?;
        f.sync_all().map_err(|e| LoadError::io(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| LoadError::io(&path, e))
    }

    fn file(&mut self, name: &str) -> Result<&mut BufWriter<File>, LoadError> {
        if !self.files.contains_key(name) {
            let path = self.dir.join(name);
            let f = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(|e| LoadError::io(&path, e))?;
            self.files
                .insert(name.to_string(), BufWriter::with_capacity(1 << 16, f));
        }
        self.files
            .get_mut(name)
            .ok_or_else(|| LoadError::WriterGone)
    }
}

impl Writer for JsonlWriter {
    fn begin(&mut self, load_id: &str, started_at: DateTime<Utc>) -> Result<StartState, LoadError> {
        self.load_id = load_id.to_string();
        text::timestamp(&mut self.started_at, &started_at);
        self.recover()?;
        Ok(self.manifest.state.clone().into_iter().collect())
    }

    fn prepare(&mut self, def: &'static ResourceDef) -> Result<(), LoadError> {
        self.plans.insert(def.name, Plan::of(def)?);
        Ok(())
    }

    fn register(&mut self, def: &'static ResourceDef) -> Result<(), LoadError> {
        let mode = self
            .plans
            .get(def.name)
            .map(|p| p.mode)
            .unwrap_or(Mode::Append);
        if mode == Mode::Replace {
            let name = Self::file_name(def, mode);
            let path = self.dir.join(&name);
            let f = File::create(&path).map_err(|e| LoadError::io(&path, e))?;
            self.files
                .insert(name, BufWriter::with_capacity(1 << 16, f));
        }
        Ok(())
    }

    fn write_page(
        &mut self,
        def: &'static ResourceDef,
        batch: &dyn RowBatch,
        at: DateTime<Utc>,
    ) -> Result<(), LoadError> {
        let mode = self
            .plans
            .get(def.name)
            .map(|p| p.mode)
            .unwrap_or(Mode::Append);
        let name = Self::file_name(def, mode);
        let mut at_text = String::new();
        text::timestamp(&mut at_text, &at);
        let mut line = std::mem::take(&mut self.line);
        let mut buf = std::mem::take(&mut self.text);
        let load_id = self.load_id.clone();
        let file = self.file(&name)?;
        for i in 0..batch.len() {
            line.clear();
            line.push(b'{');
            let mut row = JsonRow {
                def,
                pos: 0,
                out: &mut line,
                text: &mut buf,
            };
            batch.write_row(i, &mut row);
            line.extend_from_slice(b"\"_rs_load_id\":");
            text::json_append(&mut line, load_id.as_str());
            line.extend_from_slice(b",\"_rs_extracted_at\":");
            text::json_append(&mut line, at_text.as_str());
            line.extend_from_slice(b"}\n");
            file.write_all(&line)
                .map_err(|e| LoadError::io(Path::new(&name), e))?;
        }
        self.line = line;
        self.text = buf;
        Ok(())
    }

    fn commit(&mut self) -> Result<(), LoadError> {
        for (name, f) in &mut self.files {
            f.flush().map_err(|e| LoadError::io(Path::new(name), e))?;
        }
        Ok(())
    }

    fn complete(
        &mut self,
        def: &'static ResourceDef,
        state: Option<&serde_json::Value>,
        _rows: u64,
    ) -> Result<(), LoadError> {
        let mode = self
            .plans
            .get(def.name)
            .map(|p| p.mode)
            .unwrap_or(Mode::Append);
        let name = Self::file_name(def, mode);
        let table_file = format!("{}.jsonl", def.table_name);
        self.file(&name)?;
        if let Some(mut f) = self.files.remove(&name) {
            let path = self.dir.join(&name);
            f.flush().map_err(|e| LoadError::io(&path, e))?;
            let file = f.get_ref();
            file.sync_data().map_err(|e| LoadError::io(&path, e))?;
            let len = file.metadata().map_err(|e| LoadError::io(&path, e))?.len();
            if mode == Mode::Replace {
                let target = self.dir.join(&table_file);
                std::fs::rename(&path, &target).map_err(|e| LoadError::io(&target, e))?;
            }
            self.manifest.committed.insert(table_file, len);
        }
        if let Some(state) = state {
            self.manifest
                .state
                .insert(def.name.to_string(), state.clone());
        }
        self.save_manifest()
    }

    fn rollback(&mut self) {}

    fn finish(
        &mut self,
        status: LoadStatus,
        finished_at: DateTime<Utc>,
        rows: &BTreeMap<String, u64>,
    ) -> Result<(), LoadError> {
        self.commit()?;
        if status != LoadStatus::Completed {
            self.recover()?;
        }
        let mut at = String::new();
        text::timestamp(&mut at, &finished_at);
        let line = serde_json::json!({
            "load_id": self.load_id,
            "started_at": self.started_at,
            "finished_at": at,
            "status": status.as_str(),
            "rows": rows,
        });
        let path = self.dir.join(LOADS_FILE);
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| LoadError::io(&path, e))?;
        writeln!(f, "{line}").map_err(|e| LoadError::io(&path, e))
    }
}

/// Writes one row's `"column":value,` pairs.
struct JsonRow<'a> {
    def: &'static ResourceDef,
    pos: usize,
    out: &'a mut Vec<u8>,
    text: &'a mut String,
}

impl JsonRow<'_> {
    fn key(&mut self) {
        let name = self
            .def
            .columns
            .get(self.pos)
            .map(|c| c.sql_name)
            .unwrap_or("_rs_extra");
        self.pos += 1;
        text::json_append(self.out, name);
        self.out.push(b':');
    }
    fn raw(&mut self, v: &[u8]) {
        self.key();
        self.out.extend_from_slice(v);
        self.out.push(b',');
    }
    fn value<T: serde::Serialize + ?Sized>(&mut self, v: &T) {
        self.key();
        text::json_append(self.out, v);
        self.out.push(b',');
    }
    fn text_with(&mut self, f: impl FnOnce(&mut String)) {
        f(self.text);
        let t = std::mem::take(self.text);
        self.value(t.as_str());
        *self.text = t;
    }
}

impl RowWriter for JsonRow<'_> {
    fn null(&mut self) {
        self.raw(b"null")
    }
    fn bool(&mut self, v: bool) {
        self.value(&v)
    }
    fn i64(&mut self, v: i64) {
        self.value(&v)
    }
    fn f64(&mut self, v: f64) {
        self.value(&v)
    }
    fn text(&mut self, v: &str) {
        self.value(v)
    }
    fn bytes(&mut self, v: &[u8]) {
        self.text_with(|t| {
            t.clear();
            base64::engine::general_purpose::STANDARD.encode_string(v, t)
        })
    }
    fn json(&mut self, v: &serde_json::Value) {
        self.value(v)
    }
    fn timestamp(&mut self, v: &DateTime<Utc>) {
        self.text_with(|t| text::timestamp(t, v))
    }
    fn date(&mut self, v: &chrono::NaiveDate) {
        self.text_with(|t| text::date(t, v))
    }
    fn time(&mut self, v: &chrono::NaiveTime) {
        self.text_with(|t| text::time(t, v))
    }
    fn decimal(&mut self, v: &rust_decimal::Decimal) {
        self.text_with(|t| text::decimal(t, v))
    }
    fn extras(&mut self, v: &Extra) {
        match v.as_json() {
            None => self.null(),
            Some(json) => {
                self.key();
                self.out.extend_from_slice(json.as_bytes());
                self.out.push(b',');
            }
        }
    }
}
