//! `restsource schema`: the JSON Schema of the spec format.

use std::io::Write;

/// Prints the schema; returns the exit status.
pub fn run(out: &mut impl Write, err: &mut impl Write) -> u8 {
    match out.write_all(restsource_spec::json_schema().as_bytes()) {
        Ok(()) => 0,
        Err(e) => {
            let _ = writeln!(err, "error: cannot write the schema: {e}");
            1
        }
    }
}
