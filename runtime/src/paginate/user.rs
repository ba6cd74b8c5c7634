//! The paginator trait: what the runtime drives page after page. The built-in state machine
//! ([`Paginator`](super::Paginator)) implements it, and so does any type of the user's crate a
//! spec names with `paginator = { type = "rust", path = "crate::paging::MyPaginator" }`.

use super::{PageView, PaginateError, RequestParts};
use crate::def::{AnyBox, PathStep};

/// A paginator: sets the first request's parameters, then after each page either prepares
/// the next request or says the sequence is done.
///
/// One value serves one request sequence (a resource's pages, or one parent record's, or one
/// incremental window's): generated code makes a fresh one with [`Default`] for each, so a
/// paginator keeps its position in plain fields. It must be `Send + Sync` because a sequence
/// runs on the runtime's worker threads.
///
/// A page's JSON values come through [`PageView::values`], read at the paths
/// [`Paginate::value_paths`] lists (`PathStep::key("total_pages")`, ...) in the same single
/// pass over the body the built-in paginators use, so the body is never parsed twice. A
/// request's headers are not a paginator's to change: they are fixed per sequence (auth,
/// the spec's `headers`).
///
/// Errors name the paginator by its spec path, and their text passes through the
/// runtime's redaction before it is shown (a secret that appears in it is masked).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a restsource paginator",
    label = "named by a spec's `paginator = {{ type = \"rust\", path = ... }}`",
    note = "a paginator type implements `restsource::runtime::paginate::Paginate` and `Default`; the generated function's name in the note below gives the spec file, line and column"
)]
pub trait Paginate: Send + Sync {
    /// Sets the parameters of the sequence's first request (a first page number, ...).
    fn init(&mut self, req: &mut RequestParts) {
        let _ = req;
    }

    /// The JSON values this paginator reads from each page, in the order
    /// [`PageView::values`] gives them.
    fn value_paths(&self) -> Vec<&[PathStep]> {
        Vec::new()
    }

    /// Reads the page just fetched and prepares `req` for the next one; `Ok(false)` ends
    /// the sequence. The page's records are already delivered.
    fn advance(
        &mut self,
        page: &PageView<'_>,
        req: &mut RequestParts,
    ) -> Result<bool, PaginateError>;
}

/// A fresh `T` as the type-erased box a [`RustFactory`](crate::def::RustFactory) returns:
/// what generated code calls, for a `Box<dyn Paginate>` that `from_factory` unpacks.
pub fn boxed<T: Paginate + Default + 'static>() -> AnyBox {
    let paginator: Box<dyn Paginate> = Box::new(T::default());
    Box::new(paginator)
}

/// The paginator a generated factory made, or why there is none.
pub(super) fn from_factory(
    make: Option<fn() -> AnyBox>,
    path: &str,
    at: &str,
) -> Result<Box<dyn Paginate>, PaginateError> {
    let Some(make) = make else {
        return Err(PaginateError::NotGenerated {
            path: path.to_string(),
            at: at.to_string(),
        });
    };
    make()
        .downcast::<Box<dyn Paginate>>()
        .map(|b| *b)
        .map_err(|_| PaginateError::NotGenerated {
            path: path.to_string(),
            at: at.to_string(),
        })
}

/// A user's paginator in the built-in state machine.
pub struct RustPaginator {
    /// Its spec path, which names it in messages.
    pub path: &'static str,
    inner: Box<dyn Paginate>,
}

impl RustPaginator {
    /// Wraps a paginator named `path` in the spec.
    pub fn new(path: &'static str, inner: Box<dyn Paginate>) -> Self {
        RustPaginator { path, inner }
    }
}

impl std::fmt::Debug for RustPaginator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RustPaginator({})", self.path)
    }
}

impl Paginate for RustPaginator {
    fn init(&mut self, req: &mut RequestParts) {
        self.inner.init(req)
    }

    fn value_paths(&self) -> Vec<&[PathStep]> {
        self.inner.value_paths()
    }

    fn advance(
        &mut self,
        page: &PageView<'_>,
        req: &mut RequestParts,
    ) -> Result<bool, PaginateError> {
        self.inner.advance(page, req)
    }
}

#[cfg(test)]
mod tests {
    use super::super::Paginator;
    use crate::def::{PaginatorDef, RustFactory};

    #[test]
    fn a_rust_paginator_without_generated_code_names_its_spec_position() {
        let def = PaginatorDef::Rust {
            path: "crate::paging::Pager",
            at: "specs/api.toml:9:37",
            make: RustFactory::NONE,
        };
        let err = Paginator::from_def(&def).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the paginator at specs/api.toml:9:37 is the Rust type `crate::paging::Pager`, which only code generated from the spec (include_source!, Builder, `restsource generate`) can run; use a built-in paginator to run this spec without compiling it"
        );
    }
}
