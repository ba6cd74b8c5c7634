//! What can go wrong between a spec path and written Rust.

use std::path::PathBuf;

use restsource_spec::Diagnostics;

/// A generation failure.
///
/// `Debug` prints the same text as `Display`, so `build.rs` users who `unwrap()` see the
/// rendered diagnostics rather than a struct dump.
#[derive(thiserror::Error)]
pub enum Error {
    /// The spec file does not exist or cannot be read.
    #[error("cannot read spec `{}`: {source} (paths are relative to the directory of the crate's Cargo.toml)", .path.display())]
    Read {
        /// The path as given.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The spec is invalid; the diagnostics render rustc-style with file:line:col and help.
    #[error("{0}")]
    Spec(Diagnostics),
    /// Two resources ask for the same Rust name through `struct_name`. A spec file never gets
    /// here: loading reports it as a located diagnostic ([`Error::Spec`]); this guards a
    /// [`ResolvedSource`](restsource_spec::ResolvedSource) built in Rust.
    #[error(
        "resources `{first}` and `{second}` both generate the struct `{name}`; \
         help: give one of them a different `struct_name`"
    )]
    StructNameCollision {
        /// The Rust name.
        name: String,
        /// The resource that got it.
        first: String,
        /// The resource that asked for it again.
        second: String,
    },
    /// The configured runtime path is not a Rust path.
    #[error("runtime path `{path}` is not a Rust path such as `::restsource::runtime`")]
    RuntimePath {
        /// As configured.
        path: String,
    },
    /// The generated tokens did not parse as a file (a generator bug).
    #[error("generated code for `{name}` does not parse: {source}")]
    Syntax {
        /// Source name.
        name: String,
        /// Parser error.
        source: syn::Error,
    },
    /// `OUT_DIR` is unset and no output directory was configured.
    #[error("OUT_DIR is not set: call Builder::out_dir, or run from a build script")]
    NoOutDir,
    /// Two specs generate the same module file.
    #[error("specs `{}` and `{}` both generate the module `{module}`", .first.display(), .second.display())]
    ModuleCollision {
        /// Module name.
        module: String,
        /// First spec.
        first: PathBuf,
        /// Second spec.
        second: PathBuf,
    },
    /// Writing generated code failed.
    #[error("cannot write `{}`: {source}", .path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}
