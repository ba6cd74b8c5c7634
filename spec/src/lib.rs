//! The restsource spec model and its validation: one model shared by the macro, build.rs and
//! the command line, so a spec is judged the same way everywhere.
#![deny(missing_docs)]

pub mod diagnostic;
pub mod ident;
pub mod jsonpath;
mod locate;
pub mod model;
pub mod parse;
mod read;
mod resolve;
pub mod resolved;
mod schema;
mod site;
pub mod template;

pub use diagnostic::{Diagnostic, Diagnostics, Severity};
pub use parse::Format;
/// Which query parameters and headers hold credentials (a literal there is an error; the
/// importers write secret references there), one list for the spec and its importers.
pub use read::{is_credential_header, is_credential_param};
pub use resolve::env_name;
pub use resolved::ResolvedSource;
pub use schema::json_schema;

use std::path::{Path, PathBuf};

/// A spec file that parsed and validated.
#[derive(Debug, Clone)]
pub struct LoadedSpec {
    /// The spec as written.
    pub spec: model::SourceSpec,
    /// The resolved view codegen consumes.
    pub resolved: ResolvedSource,
    /// Warnings (the spec is valid).
    pub warnings: Vec<Diagnostic>,
    /// Every file read (for rebuild tracking).
    pub files: Vec<std::path::PathBuf>,
}

/// Reads, parses (by extension: `.json` or `.toml`), validates and resolves a spec file.
/// Every error is reported at once, each located.
pub fn load(path: &Path) -> Result<LoadedSpec, Diagnostics> {
    let file_error = |message: String, help: Option<String>| {
        Diagnostics(vec![Diagnostic {
            severity: Severity::Error,
            file: path.to_path_buf(),
            line: 1,
            column: 1,
            len: 1,
            path: String::new(),
            message,
            help,
            source_line: String::new(),
        }])
    };
    let Some(format) = Format::from_path(path) else {
        let ext = path
            .extension()
            .map(|e| format!("`.{}`", e.to_string_lossy()))
            .unwrap_or_else(|| "no extension".into());
        return Err(file_error(
            format!(
                "cannot tell the spec format of `{}` ({ext})",
                path.display()
            ),
            Some("name the file `*.json` or `*.toml`".into()),
        ));
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| file_error(format!("cannot read `{}`: {e}", path.display()), None))?;
    let tables = read_tables(path)?;
    let mut loaded = load_with(&text, path, format, tables.as_ref().map(|(_, f)| f))?;
    loaded.files = vec![path.to_path_buf()];
    if let Some((tables_path, file)) = tables {
        for r in &mut loaded.resolved.resources {
            r.inferred = file.resource(&r.def.name).cloned();
        }
        loaded.files.push(tables_path);
    }
    Ok(loaded)
}

/// Where `restsource infer` keeps a spec's inferred tables: `<stem>.tables.json` beside it.
pub fn tables_file_path(spec: &Path) -> PathBuf {
    let stem = spec.file_stem().map(|s| s.to_string_lossy().into_owned());
    spec.with_file_name(format!("{}.tables.json", stem.unwrap_or_default()))
}

/// The committed inferred tables beside `spec` and their path, when there is such a file; a
/// file that cannot be read is an error at its own position (it is part of the spec).
fn read_tables(
    spec: &Path,
) -> Result<Option<(PathBuf, restsource_core::tables::TablesFile)>, Diagnostics> {
    use restsource_core::tables::{TablesError, TablesFile};
    let path = tables_file_path(spec);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(None);
    };
    let file = TablesFile::from_text(&text).map_err(|e| {
        let (line, column) = match &e {
            TablesError::Json(j) => (j.line().max(1), j.column().max(1)),
            TablesError::Shape(_) => (1, 1),
        };
        Diagnostics(vec![Diagnostic {
            severity: Severity::Error,
            file: path.clone(),
            line,
            column,
            len: 1,
            path: String::new(),
            message: format!("the inferred tables beside the spec cannot be read: {e}"),
            help: Some(
                "re-run `restsource infer SPEC` to rewrite it, or delete it to load without \
                 inferred types"
                    .into(),
            ),
            source_line: text.lines().nth(line - 1).unwrap_or_default().to_string(),
        }])
    })?;
    Ok(Some((path, file)))
}

/// Parses, validates and resolves spec text; `file` is only used in messages and for the
/// default source name (its stem).
pub fn load_str(
    text: &str,
    file: impl AsRef<Path>,
    format: Format,
) -> Result<LoadedSpec, Diagnostics> {
    load_with(text, file, format, None)
}

/// [`load_str`] knowing the spec's committed inferred tables, if any.
fn load_with(
    text: &str,
    file: impl AsRef<Path>,
    format: Format,
    inferred: Option<&restsource_core::tables::TablesFile>,
) -> Result<LoadedSpec, Diagnostics> {
    let file: PathBuf = file.as_ref().to_path_buf();
    let src = locate::SourceText::new(file.clone(), text);
    let root = match parse::parse(text, format) {
        Ok(root) => root,
        Err(e) => {
            let what = match format {
                Format::Json => "invalid JSON",
                Format::Toml => "invalid TOML",
            };
            let d = src.diagnostic(
                Severity::Error,
                e.span,
                "",
                format!("{what}: {}", e.message),
                None,
            );
            return Err(Diagnostics(vec![d]));
        }
    };
    let mut cx = read::Cx::new(&src);
    let read = read::read_source(&mut cx, &root);
    let mut diags = cx.diags;
    let literals = cx.literals;
    let Some(read) = read else {
        read::mask_literals(&mut diags, &literals, &src);
        return Err(Diagnostics(diags));
    };
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "source".into());
    let inputs = resolve::Inputs {
        spec: &read.spec,
        index: &read.index,
        failed_names: &read.failed_names,
        handles: &read.handles,
        inferred,
    };
    let resolved = resolve::resolve(inputs, &src, &stem, &mut diags);
    read::mask_literals(&mut diags, &literals, &src);
    match resolved {
        Some(resolved) if read.complete && !diags.iter().any(|d| d.severity == Severity::Error) => {
            Ok(LoadedSpec {
                spec: read.spec,
                resolved,
                warnings: diags,
                files: Vec::new(),
            })
        }
        _ => Err(Diagnostics(diags)),
    }
}
