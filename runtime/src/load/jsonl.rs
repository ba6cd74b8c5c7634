//! JSON-lines destination: `<dir>/<table>.jsonl`, one object per row (declared columns, then
//! `_rs_extra`, `_rs_load_id`, `_rs_extracted_at`), plus `_rs_state.json` (incremental state and
//! each file's committed length, replaced atomically) and `_rs_loads.jsonl` (one line per load).
//!
//! A run is all or nothing, like the SQL destinations. Its rows go to pending files in the
//! directory (`<table>.jsonl.pending`, or `<table>.jsonl.staging` for replace). Only when the
//! run completed are pending files appended to their table files, and then `_rs_state.json` is
//! replaced (written to a temporary file, synced, renamed): that rename is the commit. It
//! records every table file's committed length, the new states, and the staging files still
//! to be renamed over their table files, which happens right after. A run starts by
//! finishing such renames, deleting pending and staging files and cutting every table file
//! back to its committed length, which undoes a run killed while appending. Merge
//! dispositions append (the file is a change log: the last line per key wins), since
//! rewriting a file per load would not stay bounded in memory.
//!
//! What a reader sees during the final step: appended lines of the completing run may show up
//! at the end of a table file before `_rs_state.json` is replaced (and are cut off again if
//! the process dies then); a replace file is swapped whole by rename just after it. A reader
//! that wants exactly the committed rows reads each file up to its `committed` length.
//!
//! One run at a time per directory: a run holds an exclusive lock on `_rs_lock` from `begin`
//! to its end (released by the OS if the process dies) and waits at most `lock_timeout` for it.

use std::collections::{BTreeMap, HashMap};
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use chrono::{DateTime, Utc};

use super::ahead::FlatPage;
use super::mode::{Mode, Plan};
use super::writer::{LoadStatus, Writer};
use super::{text, LoadError};
use crate::def::ResourceDef;
use crate::extract::{RowBatch, StartState};
use crate::record::{Extra, RowWriter};

const STATE_FILE: &str = "_rs_state.json";
const LOADS_FILE: &str = "_rs_loads.jsonl";
const LOCK_FILE: &str = "_rs_lock";
const PENDING: &str = ".jsonl.pending";
const STAGING: &str = ".jsonl.staging";

#[derive(Default, serde::Serialize, serde::Deserialize)]
struct Manifest {
    state: BTreeMap<String, serde_json::Value>,
    committed: BTreeMap<String, u64>,
    /// Staging file -> table file: renames a committed run still owes.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    renames: BTreeMap<String, String>,
}

/// Writes JSON lines into a directory.
pub(crate) struct JsonlWriter {
    dir: PathBuf,
    lock_timeout: Duration,
    lock: Option<File>,
    manifest: Manifest,
    /// Pending and staging files of this run, by file name.
    files: HashMap<String, BufWriter<File>>,
    plans: HashMap<&'static str, Plan>,
    /// Incremental states of the resources completed in this run.
    states: Vec<(String, serde_json::Value)>,
    load_id: String,
    started_at: String,
    line: Vec<u8>,
    text: String,
}

impl JsonlWriter {
    /// Opens (creating) `dir`; a run waits at most `lock_timeout` for another run there.
    pub fn open(dir: &Path, lock_timeout: Duration) -> Result<JsonlWriter, LoadError> {
        std::fs::create_dir_all(dir).map_err(|e| LoadError::io(dir, e))?;
        Ok(JsonlWriter {
            dir: dir.to_path_buf(),
            lock_timeout,
            lock: None,
            manifest: Manifest::default(),
            files: HashMap::new(),
            plans: HashMap::new(),
            states: Vec::new(),
            load_id: String::new(),
            started_at: String::new(),
            line: Vec::new(),
            text: String::new(),
        })
    }

    fn file_name(def: &ResourceDef, mode: Mode) -> String {
        match mode {
            Mode::Replace => format!("{}{STAGING}", def.table_name),
            _ => format!("{}{PENDING}", def.table_name),
        }
    }

    fn mode(&self, def: &ResourceDef) -> Mode {
        self.plans.get(def.name).map_or(Mode::Append, |p| p.mode)
    }

    /// Takes the directory's lock, polling until the lock timeout.
    fn lock(&mut self) -> Result<(), LoadError> {
        let what = format!("JSON-lines directory `{}`", self.dir.display());
        let file =
            super::file_lock::lock_file(&self.dir.join(LOCK_FILE), &what, self.lock_timeout)?;
        self.lock = Some(file);
        Ok(())
    }

    fn read_manifest(&mut self) -> Result<(), LoadError> {
        let path = self.dir.join(STATE_FILE);
        self.manifest = match std::fs::read(&path) {
            Ok(raw) => serde_json::from_slice(&raw).map_err(|source| LoadError::Json {
                what: path.display().to_string(),
                source,
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Manifest::default(),
            Err(e) => return Err(LoadError::io(&path, e)),
        };
        Ok(())
    }

    /// Finishes the renames a committed run owes, removes what uncommitted runs left and cuts
    /// every table file back to its committed length.
    fn recover(&mut self) -> Result<(), LoadError> {
        self.files.clear();
        if !self.manifest.renames.is_empty() {
            self.rename_staged()?;
        }
        let entries = std::fs::read_dir(&self.dir).map_err(|e| LoadError::io(&self.dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| LoadError::io(&self.dir, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            if name.ends_with(PENDING) || name.ends_with(STAGING) || name.ends_with(".tmp") {
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

    /// Renames the staging files the manifest lists (a missing one was renamed already),
    /// then drops the list.
    fn rename_staged(&mut self) -> Result<(), LoadError> {
        for (staging, table) in &self.manifest.renames {
            let from = self.dir.join(staging);
            if from.exists() {
                let to = self.dir.join(table);
                std::fs::rename(&from, &to).map_err(|e| LoadError::io(&to, e))?;
            }
        }
        self.manifest.renames.clear();
        self.save_manifest()
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
            let f = File::create(&path).map_err(|e| LoadError::io(&path, e))?;
            self.files
                .insert(name.to_string(), BufWriter::with_capacity(1 << 16, f));
        }
        self.files.get_mut(name).ok_or(LoadError::WriterGone)
    }

    /// Makes the run's files durable, appends pending files to their tables and commits the
    /// manifest; then performs the staging renames it lists.
    fn commit_files(&mut self) -> Result<(), LoadError> {
        let mut committed = self.manifest.committed.clone();
        let mut renames = BTreeMap::new();
        let mut names: Vec<String> = self.files.keys().cloned().collect();
        names.sort();
        for name in names {
            let Some(mut f) = self.files.remove(&name) else {
                continue;
            };
            let path = self.dir.join(&name);
            f.flush().map_err(|e| LoadError::io(&path, e))?;
            let file = f
                .into_inner()
                .map_err(|e| LoadError::io(&path, e.into_error()))?;
            file.sync_data().map_err(|e| LoadError::io(&path, e))?;
            drop(file);
            if let Some(table) = name.strip_suffix(STAGING) {
                let table_file = format!("{table}.jsonl");
                let len = std::fs::metadata(&path)
                    .map_err(|e| LoadError::io(&path, e))?
                    .len();
                committed.insert(table_file.clone(), len);
                renames.insert(name, table_file);
            } else if let Some(table) = name.strip_suffix(PENDING) {
                let table_file = format!("{table}.jsonl");
                let target = self.dir.join(&table_file);
                let mut out = OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&target)
                    .map_err(|e| LoadError::io(&target, e))?;
                let mut input = File::open(&path).map_err(|e| LoadError::io(&path, e))?;
                std::io::copy(&mut input, &mut out).map_err(|e| LoadError::io(&target, e))?;
                out.sync_data().map_err(|e| LoadError::io(&target, e))?;
                let len = out.metadata().map_err(|e| LoadError::io(&target, e))?.len();
                committed.insert(table_file, len);
                std::fs::remove_file(&path).map_err(|e| LoadError::io(&path, e))?;
            }
        }
        self.manifest.committed = committed;
        for (name, state) in std::mem::take(&mut self.states) {
            self.manifest.state.insert(name, state);
        }
        self.manifest.renames = renames;
        // The commit point. After it the run counts as committed: a rename that fails now is
        // finished by the next run's recovery.
        self.save_manifest()?;
        if !self.manifest.renames.is_empty() {
            if let Err(e) = self.rename_staged() {
                tracing::warn!(error = %e, "replace files are renamed at the next start");
            }
        }
        Ok(())
    }

    fn log_load(
        &self,
        status: LoadStatus,
        finished_at: DateTime<Utc>,
        rows: &BTreeMap<String, u64>,
    ) -> Result<(), LoadError> {
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

impl Writer for JsonlWriter {
    fn read_state(&mut self) -> Result<StartState, LoadError> {
        // The manifest is replaced by one rename, so reading it unlocked sees a whole one.
        self.read_manifest()?;
        Ok(self.manifest.state.clone().into_iter().collect())
    }

    fn save_state(&mut self, key: &str, state: &serde_json::Value) -> Result<(), LoadError> {
        self.states.push((key.to_string(), state.clone()));
        Ok(())
    }

    fn keep_auth_state(&mut self, state: &serde_json::Value) -> Result<(), LoadError> {
        // The manifest as the failed run's recovery left it, with only this entry changed.
        self.read_manifest()?;
        self.manifest.state.insert(
            restsource_core::names::AUTH_STATE.to_string(),
            state.clone(),
        );
        self.save_manifest()
    }

    fn begin(
        &mut self,
        load_id: &str,
        started_at: DateTime<Utc>,
        _defs: &[&'static ResourceDef],
    ) -> Result<StartState, LoadError> {
        self.load_id = load_id.to_string();
        text::timestamp(&mut self.started_at, &started_at);
        self.lock()?;
        let ready = self.read_manifest().and_then(|()| self.recover());
        if let Err(e) = ready {
            self.lock = None;
            return Err(e);
        }
        Ok(self.manifest.state.clone().into_iter().collect())
    }

    fn prepare(&mut self, def: &'static ResourceDef) -> Result<(), LoadError> {
        self.plans.insert(def.name, Plan::of(def)?);
        Ok(())
    }

    fn register(&mut self, def: &'static ResourceDef) -> Result<(), LoadError> {
        let mode = self.mode(def);
        if mode == Mode::Replace {
            // An empty completed replace empties the table: the staging file must exist.
            self.file(&Self::file_name(def, mode))?;
        }
        Ok(())
    }

    fn write_page(
        &mut self,
        def: &'static ResourceDef,
        batch: &dyn RowBatch,
        _flat: Option<FlatPage>,
        at: DateTime<Utc>,
    ) -> Result<(), LoadError> {
        let name = Self::file_name(def, self.mode(def));
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

    fn complete(
        &mut self,
        def: &'static ResourceDef,
        state: Option<&serde_json::Value>,
        _rows: u64,
    ) -> Result<(), LoadError> {
        if let Some(state) = state {
            self.states.push((def.name.to_string(), state.clone()));
        }
        Ok(())
    }

    fn checkpoint(
        &mut self,
        def: &'static ResourceDef,
        state: Option<&serde_json::Value>,
        _rows: u64,
    ) -> Result<(), LoadError> {
        if let Some(state) = state {
            self.states.push((def.name.to_string(), state.clone()));
        }
        // Appends the pending rows and replaces the manifest; the next page opens a new
        // pending file. The directory lock stays held.
        self.commit_files()
    }

    fn commit_run(
        &mut self,
        finished_at: DateTime<Utc>,
        rows: &BTreeMap<String, u64>,
    ) -> Result<(), LoadError> {
        self.commit_files()?;
        let logged = self.log_load(LoadStatus::Completed, finished_at, rows);
        self.lock = None;
        logged
    }

    fn fail_run(
        &mut self,
        status: LoadStatus,
        finished_at: DateTime<Utc>,
        rows: &BTreeMap<String, u64>,
    ) -> Result<(), LoadError> {
        self.states.clear();
        // The manifest on disk, not the one in memory: a commit may have failed half-way.
        let result = if self.lock.is_some() {
            self.read_manifest()
                .and_then(|()| self.recover())
                .and_then(|()| self.log_load(status, finished_at, rows))
        } else {
            Ok(())
        };
        self.lock = None;
        result
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
            .unwrap_or(restsource_core::names::EXTRA_COLUMN);
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
