//! `restsource validate SPEC...`.

use restsource_spec::Severity;
use std::io::Write;
use std::path::PathBuf;

/// Validates every spec; diagnostics go to `err` (rustc style), one verdict line per spec to
/// `out`. Returns the exit status: 0 when all are valid, 1 otherwise.
pub fn run(specs: &[PathBuf], out: &mut impl Write, err: &mut impl Write) -> u8 {
    let mut failed = 0;
    for spec in specs {
        // Write errors on stdout/stderr cannot be reported anywhere better; they are ignored.
        match restsource_spec::load(spec) {
            Ok(loaded) => {
                for w in &loaded.warnings {
                    let _ = writeln!(err, "{}", w.render());
                }
                let n = loaded.warnings.len();
                let _ = match n {
                    0 => writeln!(out, "{}: valid", spec.display()),
                    1 => writeln!(out, "{}: valid (1 warning)", spec.display()),
                    _ => writeln!(out, "{}: valid ({n} warnings)", spec.display()),
                };
            }
            Err(diags) => {
                failed += 1;
                for d in &diags.0 {
                    let _ = writeln!(err, "{}", d.render());
                }
                let errors = diags
                    .0
                    .iter()
                    .filter(|d| d.severity == Severity::Error)
                    .count();
                let plural = if errors == 1 { "" } else { "s" };
                let _ = writeln!(out, "{}: invalid ({errors} error{plural})", spec.display());
            }
        }
    }
    u8::from(failed > 0)
}
