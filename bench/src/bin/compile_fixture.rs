//! Fixture for the compile-time benchmark: writes a 50-resource spec and the code it
//! generates (the "hand-written" crate's source: the same structs, written out), and measures
//! what `include_source!` does at expansion time (load + validate + generate tokens), in
//! process, as the median of repeated runs.
//!
//! `compile_fixture DIR [RESOURCES]` prints `expansion_ms_median=<ms> runs=<n> lines=<n>`.

use std::path::Path;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .ok_or("usage: compile_fixture DIR [RESOURCES]")?;
    let n: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(50);
    let dir = Path::new(&dir);
    std::fs::create_dir_all(dir)?;
    let spec = dir.join("spec50.json");
    std::fs::write(&spec, restsource_codegen::testing::synthetic_spec_json(n))?;
    let code = restsource_codegen::generate_file(&spec)?;
    std::fs::write(dir.join("handwritten.rs"), &code)?;

    let settings = restsource_codegen::Settings::default();
    let mut times = Vec::new();
    for _ in 0..21 {
        let started = Instant::now();
        let expansion = restsource_codegen::include_source(
            dir,
            "spec50.json",
            proc_macro2::Span::call_site(),
            &settings,
        );
        let tokens = expansion.into_tokens();
        std::hint::black_box(tokens.to_string().len());
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "expansion_ms_median={:.2} runs={} lines={}",
        times[times.len() / 2],
        times.len(),
        code.lines().count()
    );
    Ok(())
}
