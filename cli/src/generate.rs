//! `restsource generate SPEC [-o FILE] [--runtime-path PATH]`.

use std::io::Write;
use std::path::Path;

use restsource_codegen::{generate_with, write_if_changed, Settings};

/// Generates the formatted code for `spec` to `output` (written only when its bytes change)
/// or to `out`. Returns the exit status: 0 on success, 1 when the spec is invalid or the file
/// cannot be written.
pub fn run(
    spec: &Path,
    output: Option<&Path>,
    runtime_path: Option<&str>,
    out: &mut impl Write,
    err: &mut impl Write,
) -> u8 {
    let settings = match runtime_path {
        Some(path) => Settings::new().runtime_path(path),
        None => Settings::new(),
    };
    // Write errors on stdout/stderr cannot be reported anywhere better; they are ignored.
    let code = match generate_with(spec, &settings) {
        Ok(generated) => {
            // Literal credentials and other warnings: shown, as `validate` shows them.
            for w in &generated.warnings {
                let _ = writeln!(err, "{w}");
            }
            generated.code
        }
        Err(e) => {
            let _ = writeln!(err, "{e}");
            return 1;
        }
    };
    match output {
        None => {
            let _ = out.write_all(code.as_bytes());
            0
        }
        Some(file) => match write_if_changed(file, code.as_bytes()) {
            Ok(changed) => {
                let verdict = if changed { "written" } else { "unchanged" };
                let _ = writeln!(err, "{}: {verdict}", file.display());
                0
            }
            Err(e) => {
                let _ = writeln!(err, "{e}");
                1
            }
        },
    }
}
