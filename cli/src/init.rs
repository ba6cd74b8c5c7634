//! `restsource init --openapi FILE [-o OUT] [--json] [--force]`: a spec (and its tables file)
//! from an OpenAPI document, validated as `restsource validate` validates it, with a report of
//! what was made, guessed and skipped.

use std::io::Write;
use std::path::{Path, PathBuf};

use restsource_import::openapi;

use crate::validate;

/// What `init` was asked to do: its command line.
#[derive(Debug, Clone, clap::Args)]
pub struct Request {
    /// The OpenAPI 3.0 or 3.1 document (JSON or YAML).
    #[arg(long, value_name = "FILE", required = true)]
    pub openapi: PathBuf,
    /// The spec to write (default `<title in snake case>.toml` or `.json`); its tables file
    /// goes beside it as `<stem>.tables.json`.
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Write the spec as JSON instead of TOML (JSON has no comments: the guesses are only in
    /// the report).
    #[arg(long)]
    pub json: bool,
    /// Overwrite the spec and tables file when they exist.
    #[arg(long)]
    pub force: bool,
}

/// Runs the request. Returns the exit status: 0 when the written spec is valid, 1 when the
/// document cannot be read, a file cannot be written or the spec is invalid.
pub fn run(req: &Request, out: &mut impl Write, err: &mut impl Write) -> u8 {
    match init(req, out) {
        Ok(spec) => validate::run(&[spec], out, err),
        Err(message) => {
            // Write errors on stdout/stderr cannot be reported anywhere better.
            let _ = writeln!(err, "{message}");
            1
        }
    }
}

fn init(req: &Request, out: &mut impl Write) -> Result<PathBuf, String> {
    let file = req.openapi.display().to_string();
    let text = std::fs::read_to_string(&req.openapi).map_err(|e| format!("{file}: {e}"))?;
    let stem = req
        .output
        .as_deref()
        .and_then(Path::file_stem)
        .map(|s| s.to_string_lossy().into_owned());
    let shown = req
        .openapi
        .file_name()
        .map_or(file.clone(), |n| n.to_string_lossy().into_owned());
    let imported = openapi::import(&text, stem.as_deref(), &shown).map_err(|e| match e {
        // `file:line:col: message`, as compilers print positions.
        openapi::OpenApiError::Parse { .. } => format!("{file}:{e}"),
        _ => format!("{file}: {e}"),
    })?;
    let name = imported.tables.source.clone();
    let extension = if req.json { "json" } else { "toml" };
    let spec = req
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{name}.{extension}")));
    let json = req.json || spec.extension().is_some_and(|e| e == "json");
    if json && spec.extension().is_some_and(|e| e == "toml") {
        // `validate` reads a spec by its extension.
        return Err(format!(
            "{}: --json writes JSON; name the output `.json`",
            spec.display()
        ));
    }
    let tables = restsource_spec::tables_file_path(&spec);
    if !req.force {
        for path in [&spec, &tables] {
            if path.exists() {
                return Err(format!(
                    "{}: already exists; pass --force to overwrite it",
                    path.display()
                ));
            }
        }
    }
    let body = if json {
        imported.draft.to_json()
    } else {
        imported.draft.to_toml()
    };
    std::fs::write(&spec, body).map_err(|e| format!("{}: {e}", spec.display()))?;
    std::fs::write(&tables, imported.tables.to_text())
        .map_err(|e| format!("{}: {e}", tables.display()))?;
    let _ = write!(out, "{}", imported.report);
    let _ = writeln!(
        out,
        "{}: written, with {}",
        spec.display(),
        tables.display()
    );
    Ok(spec)
}
