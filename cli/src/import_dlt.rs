//! `restsource import-dlt FILE.py`: a dlt Python config becomes a spec file, validated as
//! `restsource validate` does.

use restsource_import::dlt_python::Imported;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The command's arguments.
#[derive(Debug, clap::Args)]
pub struct Request {
    /// The dlt Python file: a `rest_api_source({...})` call, or a dict assigned to a name
    /// annotated `RESTAPIConfig` (or named `config`).
    #[arg(value_name = "FILE.py")]
    pub file: PathBuf,
    /// Where to write the spec (default: beside FILE.py, named after it, `.toml` or `.json`).
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Write JSON instead of TOML (also chosen by an OUT ending in `.json`).
    #[arg(long)]
    pub json: bool,
    /// The spec's `name` (default: the call's `name=`, else FILE's stem in snake case).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Replace OUT when it exists (by default an existing spec is never overwritten).
    #[arg(long)]
    pub force: bool,
}

/// Converts, writes, validates and prints the summary. Returns the exit status: 0 when the
/// spec was written and is valid, 1 otherwise.
pub fn run(request: &Request, out: &mut impl Write, err: &mut impl Write) -> u8 {
    // Write errors on stdout/stderr cannot be reported anywhere better; they are ignored.
    let file = &request.file;
    let src = match std::fs::read_to_string(file) {
        Ok(src) => src,
        Err(e) => {
            let _ = writeln!(err, "error: cannot read {}: {e}", file.display());
            return 1;
        }
    };
    let json = request.json
        || request
            .output
            .as_deref()
            .is_some_and(|o| o.extension().is_some_and(|e| e == "json"));
    let target = match &request.output {
        Some(o) => o.clone(),
        None => file.with_extension(if json { "json" } else { "toml" }),
    };
    if json && target.extension().is_some_and(|e| e == "toml") {
        let _ = writeln!(
            err,
            "error: {} ends in `.toml` but --json was given; name the output `.json`",
            target.display()
        );
        return 1;
    }
    if target.exists() && !request.force {
        let _ = writeln!(
            err,
            "error: {} exists; pass --force to replace it, or -o another file",
            target.display()
        );
        return 1;
    }
    let imported = match restsource_import::import_dlt(&src, file, request.name.as_deref()) {
        Ok(imported) => imported,
        Err(e) => {
            for d in &e.diagnostics {
                let _ = writeln!(err, "{}", d.render());
            }
            let n = e.diagnostics.len();
            let plural = if n == 1 { "" } else { "s" };
            let _ = writeln!(
                out,
                "{}: cannot be converted ({n} error{plural}); nothing written",
                file.display()
            );
            return 1;
        }
    };
    let text = if json {
        imported.to_json()
    } else {
        imported.to_toml()
    };
    if let Err(e) = std::fs::write(&target, text) {
        let _ = writeln!(err, "error: cannot write {}: {e}", target.display());
        return 1;
    }
    summary(&imported, file, &target, out);
    crate::validate::run(&[target], out, err)
}

/// What was converted, which secrets the spec reads and what it left out.
fn summary(imported: &Imported, file: &Path, target: &Path, out: &mut impl Write) {
    let _ = writeln!(
        out,
        "wrote {} from {} ({})",
        target.display(),
        file.display(),
        imported.found
    );
    let names = &imported.resources;
    let _ = writeln!(out, "resources ({}): {}", names.len(), names.join(", "));
    if !imported.secrets.is_empty() {
        let _ = writeln!(
            out,
            "secret references ({}), read from the environment at run time:",
            imported.secrets.len()
        );
        for s in &imported.secrets {
            let _ = writeln!(out, "  {}: {} -> {}", s.place, s.python, s.env);
        }
    }
    let left_out: Vec<_> = imported.left_out.iter().collect();
    if !left_out.is_empty() {
        let _ = writeln!(out, "left out ({}):", left_out.len());
        for l in left_out {
            let _ = writeln!(out, "  {}: {}", l.place, l.why);
        }
    }
}
