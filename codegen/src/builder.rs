//! The build.rs API, in the style of prost-build.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::generate::{generate_with, Settings};

/// Generates typed Rust for spec files from a build script.
///
/// ```no_run
/// // build.rs
/// restsource_codegen::Builder::new()
///     .spec("specs/inventory.toml")
///     .generate()
///     .unwrap();
/// // src/lib.rs: include!(concat!(env!("OUT_DIR"), "/inventory.rs"));
/// ```
///
/// The result is meant to be `unwrap`ped in build.rs: the error's `Debug` output is the
/// rendered diagnostics.
#[derive(Debug, Clone)]
pub struct Builder {
    specs: Vec<PathBuf>,
    out_dir: Option<PathBuf>,
    settings: Settings,
    emit_rerun_if_changed: bool,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            specs: Vec::new(),
            out_dir: None,
            settings: Settings::default(),
            // Cargo sets CARGO for build scripts; elsewhere the directives are noise.
            emit_rerun_if_changed: std::env::var_os("CARGO").is_some(),
        }
    }
}

impl Builder {
    /// A builder with no specs, writing to `OUT_DIR`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a spec file (relative paths are relative to the package, build.rs's directory).
    pub fn spec(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.specs.push(path.as_ref().to_path_buf());
        self
    }

    /// Adds several spec files.
    pub fn specs<P: AsRef<Path>>(&mut self, paths: impl IntoIterator<Item = P>) -> &mut Self {
        self.specs
            .extend(paths.into_iter().map(|p| p.as_ref().to_path_buf()));
        self
    }

    /// Writes `<module>.rs` files into `dir` instead of `OUT_DIR`.
    pub fn out_dir(&mut self, dir: impl AsRef<Path>) -> &mut Self {
        self.out_dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// Path of the runtime crate in generated code (default `::restsource::runtime`).
    pub fn runtime_path(&mut self, path: impl Into<String>) -> &mut Self {
        self.settings = self.settings.clone().runtime_path(path);
        self
    }

    /// Prints `cargo:rerun-if-changed` for every input (default: when run by cargo).
    pub fn emit_rerun_if_changed(&mut self, emit: bool) -> &mut Self {
        self.emit_rerun_if_changed = emit;
        self
    }

    /// Generates every spec, writing `<out_dir>/<module>.rs` only when its bytes change (so
    /// nothing downstream recompiles needlessly). Returns the files, in spec order.
    pub fn generate(&self) -> Result<Vec<PathBuf>, Error> {
        let out_dir = match &self.out_dir {
            Some(dir) => dir.clone(),
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or(Error::NoOutDir)?,
        };
        let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
        let mut written = Vec::with_capacity(self.specs.len());
        for spec in &self.specs {
            if self.emit_rerun_if_changed {
                // Printed before loading so a broken spec is retried once it is fixed.
                println!("cargo:rerun-if-changed={}", spec.display());
            }
            let generated = generate_with(spec, &self.settings)?;
            if let Some(first) = seen.insert(generated.module.clone(), spec.clone()) {
                return Err(Error::ModuleCollision {
                    module: generated.module,
                    first,
                    second: spec.clone(),
                });
            }
            if self.emit_rerun_if_changed {
                for input in generated.inputs.iter().filter(|i| *i != spec) {
                    println!("cargo:rerun-if-changed={}", input.display());
                }
                for warning in &generated.warnings {
                    for line in warning.lines() {
                        println!("cargo:warning={line}");
                    }
                }
            }
            let file = out_dir.join(format!("{}.rs", generated.module));
            write_if_changed(&file, generated.code.as_bytes())?;
            written.push(file);
        }
        Ok(written)
    }
}

/// One call for the common case: generate `specs` into `OUT_DIR`.
pub fn compile_specs<P: AsRef<Path>>(specs: &[P]) -> Result<Vec<PathBuf>, Error> {
    Builder::new().specs(specs).generate()
}

/// Writes `bytes` unless the file already holds exactly them (keeps its mtime).
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<bool, Error> {
    if std::fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(false);
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| Error::Write {
            path: path.to_path_buf(),
            source,
        })?;
    }
    std::fs::write(path, bytes).map_err(|source| Error::Write {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(true)
}
