//! `restsource shards SPEC N`: what each of N shards (`--shard I/N`) loads and reads, and
//! the state rows it keeps; computed as the programs compute it, from the spec alone.

use std::io::Write;
use std::path::PathBuf;

use restsource_runtime::shard::{Role, Shard, ShardPlan};

use crate::leak;

/// What `shards` was asked to do: its command line.
#[derive(Debug, Clone, clap::Args)]
pub struct Request {
    /// Spec file (`.json` or `.toml`).
    #[arg(value_name = "SPEC")]
    pub spec: PathBuf,
    /// How many shards split the work.
    #[arg(value_name = "N")]
    pub count: u32,
}

/// Prints the plan of every shard. Returns 0, or 1 on an invalid spec or count.
pub fn run(req: &Request, out: &mut impl Write, err: &mut impl Write) -> u8 {
    match plan(req) {
        Ok(text) => {
            let _ = out.write_all(text.as_bytes());
            0
        }
        Err(message) => {
            let _ = writeln!(err, "{message}");
            1
        }
    }
}

fn plan(req: &Request) -> Result<String, String> {
    if req.count == 0 {
        return Err("N must be 1 or more".to_string());
    }
    let loaded = restsource_spec::load(&req.spec).map_err(|d| d.to_string())?;
    let source = leak::source(&loaded.resolved);
    let mut text = String::new();
    for i in 0..req.count {
        let shard = Shard::new(i, req.count).map_err(|e| e.to_string())?;
        let plan = ShardPlan::new(shard, source.resources);
        let (mut whole, mut part, mut read) = (Vec::new(), Vec::new(), Vec::new());
        for (def, role) in plan.roles() {
            match role {
                Role::Own => whole.push(def.name.to_string()),
                Role::Part { .. } => {
                    let parent = def.parent.map(|p| p.resource.name).unwrap_or_default();
                    part.push(format!(
                        "{} (children of the `{parent}` records it holds)",
                        def.name
                    ));
                }
                Role::Feed { .. } => read.push(def.name.to_string()),
            }
        }
        let list = |v: &[String]| {
            if v.is_empty() {
                "-".to_string()
            } else {
                v.join(", ")
            }
        };
        text.push_str(&format!(
            "shard {shard}\n  loads whole:    {}\n  loads its part: {}\n  reads only:     {}\n  state rows:     {}\n",
            list(&whole),
            list(&part),
            list(&read),
            list(&plan.state_keys()),
        ));
    }
    Ok(text)
}
