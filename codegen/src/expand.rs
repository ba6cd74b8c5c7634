//! `include_source!`'s expansion, built here so the proc-macro crate stays a shim and tests can
//! compare the expansion with what build.rs writes.

use std::path::{Component, Path, PathBuf};

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};

use crate::generate::{generate_tokens, load, Settings};

/// The expansion of `include_source!(path)`, in parts.
#[derive(Debug, Clone)]
pub struct MacroExpansion {
    /// The generated module, exactly the tokens build.rs formats and writes; `None` when the
    /// spec is invalid.
    pub code: Option<TokenStream>,
    /// `const _: &[u8] = include_bytes!(..)` per file read, so editing a spec rebuilds.
    pub tracking: TokenStream,
    /// One deprecation warning per spec warning, spanned on the path literal.
    pub warnings: TokenStream,
    /// `compile_error!` carrying the rendered diagnostics, spanned on the path literal.
    pub error: Option<TokenStream>,
}

impl MacroExpansion {
    /// Every part, ready to return from the macro.
    pub fn into_tokens(self) -> TokenStream {
        let MacroExpansion {
            code,
            tracking,
            warnings,
            error,
        } = self;
        quote! { #code #tracking #warnings #error }
    }
}

/// Expands `include_source!(rel)` for a crate at `manifest_dir`. `span` is the path literal's.
pub fn include_source(
    manifest_dir: &Path,
    rel: &str,
    span: Span,
    settings: &Settings,
) -> MacroExpansion {
    let mut out = MacroExpansion {
        code: None,
        tracking: TokenStream::new(),
        warnings: TokenStream::new(),
        error: None,
    };
    let rel_path = Path::new(rel);
    if rel_path.is_absolute() || rel.starts_with('/') || rel.starts_with('\\') {
        out.error = Some(spanned_error(
            span,
            "absolute paths only work on this machine: write the spec path relative to the \
             directory of the crate's Cargo.toml (CARGO_MANIFEST_DIR)",
        ));
        return out;
    }
    let path = normalize(&manifest_dir.join(rel_path));
    let loaded = match load(&path, rel_path) {
        Ok(loaded) => loaded,
        Err(e) => {
            // Track the spec even when it is invalid, so fixing it rebuilds.
            if path.is_file() {
                out.tracking = tracking(&[path], span);
            }
            out.error = Some(spanned_error(span, &e.to_string()));
            return out;
        }
    };
    let mut files = loaded.files.clone();
    if !files.contains(&path) {
        files.insert(0, path);
    }
    out.tracking = tracking(&files, span);
    out.warnings = loaded
        .warnings
        .iter()
        .map(|w| warning(&w.render(), span))
        .collect();
    match generate_tokens(&loaded.resolved, settings) {
        Ok(code) => out.code = Some(code),
        Err(e) => out.error = Some(spanned_error(span, &e.to_string())),
    }
    out
}

fn spanned_error(span: Span, message: &str) -> TokenStream {
    // rustc prefixes `error: ` itself; the rendered diagnostics start with one too.
    let message = message.strip_prefix("error: ").unwrap_or(message);
    syn::Error::new(span, message.trim_end()).to_compile_error()
}

fn tracking(files: &[PathBuf], span: Span) -> TokenStream {
    files
        .iter()
        .map(|f| {
            let f = f.to_string_lossy();
            quote_spanned! { span=> const _: &[u8] = include_bytes!(#f); }
        })
        .collect()
}

/// Stable Rust has no custom warnings; using a `#[deprecated]` item makes rustc print the note.
fn warning(message: &str, span: Span) -> TokenStream {
    let note = format!("restsource spec warning:\n{}", message.trim_end());
    quote_spanned! { span=>
        const _: () = {
            #[deprecated(note = #note)]
            struct RestsourceSpecWarning;
            let _ = RestsourceSpecWarning;
        };
    }
}

/// Removes `.` and `..` lexically, so diagnostics and `include_bytes!` name the real file.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_removes_dots() {
        assert_eq!(
            normalize(Path::new("/a/b/./c/../../d.json")),
            PathBuf::from("/a/d.json")
        );
    }

    #[test]
    fn absolute_paths_are_rejected() {
        let e = include_source(
            Path::new("/x"),
            "/etc/spec.json",
            Span::call_site(),
            &Settings::default(),
        );
        assert!(e.code.is_none());
        let text = e.error.map(|t| t.to_string()).unwrap_or_default();
        assert!(
            text.contains("absolute paths only work on this machine"),
            "{text}"
        );
    }

    #[test]
    fn missing_file_is_an_error_naming_the_path() {
        let e = include_source(
            Path::new("/nonexistent-dir"),
            "specs/none.json",
            Span::call_site(),
            &Settings::default(),
        );
        let text = e.error.map(|t| t.to_string()).unwrap_or_default();
        assert!(
            text.contains("cannot read spec `specs/none.json`"),
            "{text}"
        );
        assert!(e.tracking.is_empty());
    }
}
