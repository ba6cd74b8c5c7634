//! `restsource check SPEC [--base-url URL] [RESOURCE...]`: one request per resource through
//! the spec's own client, reporting auth, URL and selector problems; nothing is loaded and
//! nothing is written.

use std::io::Write;
use std::path::PathBuf;

use restsource_runtime::extract::Extractor;
use restsource_runtime::secret::{from_env, SecretValues};

use crate::{infer, leak};

/// What `check` was asked to do: its command line.
#[derive(Debug, Clone, clap::Args)]
pub struct Request {
    /// Spec file (`.json` or `.toml`).
    #[arg(value_name = "SPEC")]
    pub spec: PathBuf,
    /// Send requests here instead of the spec's base URL.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Resources to check (default: every selected resource; the parents they need are
    /// checked too).
    #[arg(value_name = "RESOURCE")]
    pub resources: Vec<String>,
}

/// Runs the check: prints one line per resource and a summary on stdout. Returns 0 when
/// every resource answered usable records, 1 otherwise (or on an invalid spec, a missing
/// secret).
pub fn run(req: &Request, out: &mut impl Write, err: &mut impl Write) -> u8 {
    match check(req, out) {
        Ok(code) => code,
        Err(message) => {
            let _ = writeln!(err, "{message}");
            1
        }
    }
}

fn check(req: &Request, out: &mut impl Write) -> Result<u8, String> {
    let loaded = restsource_spec::load(&req.spec).map_err(|d| d.to_string())?;
    let source = leak::source(&loaded.resolved);
    let handles = infer::handles(source, &req.resources)?;
    let mut secrets = SecretValues::new();
    for s in source.secrets {
        let value = from_env(s.name, s.env).map_err(|e| e.to_string())?;
        secrets.insert(s.name, value);
    }
    let mut extractor = Extractor::new(source, secrets);
    if let Some(url) = &req.base_url {
        extractor = extractor.with_base_url(url);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let report = runtime
        .block_on(extractor.check(&handles))
        .map_err(|e| e.to_string())?;
    let _ = writeln!(out, "{report}");
    Ok(if report.passed() { 0 } else { 1 })
}
