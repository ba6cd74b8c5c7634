//! `restsource infer SPEC [--base-url URL] [--pages N] [--check] [--file FILE] [RESOURCE...]`:
//! samples each resource's API through the spec's own client and keeps the tables, columns
//! and types a relational load would create in `<spec stem>.tables.json` beside the spec;
//! `--check` fails, listing the differences, when the API's data no longer fits that file.

use std::io::Write;
use std::path::{Path, PathBuf};

use restsource_runtime::extract::{ExtractOptions, Extractor, ResourceHandle};
use restsource_runtime::infer::{sample, TablesFile};
use restsource_runtime::normalize::SystemColumns;
use restsource_runtime::secret::{from_env, SecretValues};

use crate::leak;

/// What `infer` was asked to do: its command line.
#[derive(Debug, Clone, clap::Args)]
pub struct Request {
    /// Spec file (`.json` or `.toml`).
    #[arg(value_name = "SPEC")]
    pub spec: PathBuf,
    /// Send requests here instead of the spec's base URL.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Pages to sample per resource (per parent record for a child resource).
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub pages: u64,
    /// Do not write: exit 1 and print the differences when the sampled data does not fit
    /// the file (a new field, a new list, a value of another type). For CI.
    #[arg(long)]
    pub check: bool,
    /// The tables file (default `<spec stem>.tables.json` beside the spec).
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Resources to sample (default: every selected resource).
    #[arg(value_name = "RESOURCE")]
    pub resources: Vec<String>,
}

/// The default tables file of `spec`: `<stem>.tables.json` in its directory (where codegen
/// looks for it).
pub fn tables_file(spec: &Path) -> PathBuf {
    restsource_spec::tables_file_path(spec)
}

/// Runs the request. Returns the exit status: 0 when the file was written (or is current)
/// or, with `--check`, fits; 1 on an invalid spec, a failed sample or a difference.
pub fn run(req: &Request, out: &mut impl Write, err: &mut impl Write) -> u8 {
    match infer(req, out) {
        Ok(code) => code,
        Err(message) => {
            // Write errors on stdout/stderr cannot be reported anywhere better.
            let _ = writeln!(err, "{message}");
            1
        }
    }
}

fn infer(req: &Request, out: &mut impl Write) -> Result<u8, String> {
    let loaded = restsource_spec::load(&req.spec).map_err(|d| d.to_string())?;
    let source = leak::source(&loaded.resolved);
    let handles = handles(source, &req.resources)?;
    let path = req.file.clone().unwrap_or_else(|| tables_file(&req.spec));
    let existing = match std::fs::read_to_string(&path) {
        Ok(text) => {
            Some(TablesFile::from_text(&text).map_err(|e| format!("{}: {e}", path.display()))?)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    if req.check && existing.is_none() {
        return Err(format!(
            "{}: no tables file to check against; run `restsource infer {}` first and commit \
             the file",
            path.display(),
            req.spec.display()
        ));
    }
    let mut secrets = SecretValues::new();
    for s in source.secrets {
        let value = from_env(s.name, s.env).map_err(|e| e.to_string())?;
        secrets.insert(s.name, value);
    }
    let mut extractor = Extractor::new(source, secrets).with_options(ExtractOptions {
        max_pages: Some(req.pages.max(1)),
        ..ExtractOptions::default()
    });
    if let Some(url) = &req.base_url {
        extractor = extractor.with_base_url(url);
    }
    // A sample starts from what the file holds: fields an earlier sample saw stay even when
    // these pages lack them, and a check sees only what is new.
    let mut tables = existing
        .clone()
        .unwrap_or_else(|| TablesFile::new(source.name));
    let system = SystemColumns::RESTSOURCE;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let seen = runtime
        .block_on(sample(&extractor, &handles, system, &mut tables))
        .map_err(|e| e.to_string())?;
    for (name, s) in &seen {
        let pages = if s.pages == 1 { "page" } else { "pages" };
        let _ = writeln!(out, "{name}: {} {pages}, {} records", s.pages, s.records);
    }
    if req.check {
        let committed = existing.unwrap_or_default();
        let diffs = committed.differences(&tables, &system);
        if diffs.is_empty() {
            let _ = writeln!(out, "{}: the API's data fits", path.display());
            return Ok(0);
        }
        let plural = if diffs.len() == 1 { "" } else { "s" };
        let _ = writeln!(
            out,
            "{}: the API's data no longer fits ({} difference{plural}); run `restsource infer \
             {}` and review the change",
            path.display(),
            diffs.len(),
            req.spec.display()
        );
        for d in &diffs {
            let _ = writeln!(out, "  {d}");
        }
        return Ok(1);
    }
    let text = tables.to_text(&system);
    let changed = restsource_codegen::write_if_changed(&path, text.as_bytes())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let verdict = if changed { "written" } else { "unchanged" };
    let _ = writeln!(out, "{}: {verdict}", path.display());
    Ok(0)
}

/// JSON handles of the requested resources (default: every selected one).
pub(crate) fn handles(
    source: &'static restsource_runtime::def::SourceDef,
    names: &[String],
) -> Result<Vec<ResourceHandle>, String> {
    if names.is_empty() {
        return Ok(source
            .resources
            .iter()
            .filter(|r| r.selected)
            .map(|r| ResourceHandle::json(r))
            .collect());
    }
    names
        .iter()
        .map(|n| {
            source
                .resources
                .iter()
                .find(|r| r.name == n.as_str())
                .map(|r| ResourceHandle::json(r))
                .ok_or_else(|| {
                    let known: Vec<&str> = source.resources.iter().map(|r| r.name).collect();
                    format!(
                        "no resource `{n}` in the spec; it has: {}",
                        known.join(", ")
                    )
                })
        })
        .collect()
}
