//! Validation at scale: generates big specs in memory and times `restsource_spec::load_str`
//! (parse, lower, resolve, every check) on them, so a quadratic check shows up as a number
//! rather than as a build that seems to hang.
//!
//! `validate_scale [CHAIN_SIZES] [COLUMNS]` (defaults `2000,10000` and `20000`) prints one
//! line per spec: `chain resources=<n> valid=<bool> secs=<s>` and
//! `columns columns=<n> valid=<bool> secs=<s>`. Each size runs once: at these sizes a single
//! run takes long enough to be measured, and the point is the growth between sizes.

use std::time::Instant;

/// `resources` resources where resource `i + 1` is a child of resource `i` through a
/// `{resources.r_i.id}` placeholder (the deepest parent chain a spec can have).
fn chain_spec(resources: usize) -> String {
    let mut out = String::from(
        "{\"client\": {\"base_url\": \"https://api.example.com\"},\n\"resources\": [\n",
    );
    for i in 0..resources {
        if i > 0 {
            out.push_str(",\n");
        }
        if i == 0 {
            out.push_str("{\"name\": \"r_0\", \"endpoint\": {\"path\": \"r_0\"}}");
        } else {
            out.push_str(&format!(
                "{{\"name\": \"r_{i}\", \"endpoint\": {{\"path\": \"r_{}/{{resources.r_{}.id}}/r_{i}\"}}}}",
                i - 1,
                i - 1
            ));
        }
    }
    out.push_str("\n]}\n");
    out
}

/// One resource declaring `columns` typed columns.
fn columns_spec(columns: usize) -> String {
    let mut out = String::from(
        "{\"client\": {\"base_url\": \"https://api.example.com\"},\n\"resources\": [{\"name\": \"wide\", \"primary_key\": \"c_0\", \"columns\": {\n",
    );
    for i in 0..columns {
        if i > 0 {
            out.push_str(",\n");
        }
        out.push_str(&format!("\"c_{i}\": {{\"data_type\": \"text\"}}"));
    }
    out.push_str("\n}}]}\n");
    out
}

fn time(text: &str) -> (bool, f64) {
    let started = Instant::now();
    let loaded = restsource_spec::load_str(text, "scale.json", restsource_spec::Format::Json);
    let secs = started.elapsed().as_secs_f64();
    (loaded.is_ok(), secs)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let chains: Vec<usize> = match args.next() {
        Some(list) => list
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::parse)
            .collect::<Result<_, _>>()?,
        None => vec![2_000, 10_000],
    };
    let columns: usize = args
        .next()
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(20_000);
    for n in chains {
        let (valid, secs) = time(&chain_spec(n));
        println!("chain resources={n} valid={valid} secs={secs:.3}");
    }
    if columns > 0 {
        let (valid, secs) = time(&columns_spec(columns));
        println!("columns columns={columns} valid={valid} secs={secs:.3}");
    }
    Ok(())
}
