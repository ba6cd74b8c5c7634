//! The restsource spec model and its validation: one model shared by the macro, build.rs and
//! the command line, so a spec is judged the same way everywhere.
#![deny(missing_docs)]

pub mod diagnostic;
pub mod model;
pub mod resolved;

pub use diagnostic::{Diagnostic, Diagnostics, Severity};
pub use resolved::ResolvedSource;

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
pub fn load(path: &std::path::Path) -> Result<LoadedSpec, Diagnostics> {
    let _ = path;
    Err(Diagnostics(Vec::new()))
}
