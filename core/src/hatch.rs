//! Escape hatches: a spec may name a type of the user's crate (`type = "rust"`) where dlt
//! takes a Python class instance. This crate cannot name the runtime's traits (it holds no
//! HTTP code), so a definition carries a type-erased constructor that generated code fills
//! and the runtime downcasts to its own trait object.

use std::any::Any;

/// A type-erased instance of a user's type, as [`RustFactory`] makes it: the runtime
/// downcasts it to the boxed trait object it expects (`Box<dyn Paginate>`, ...).
pub type AnyBox = Box<dyn Any + Send>;

/// How generated code makes a fresh instance of the type a spec names.
///
/// `None` where no Rust code was generated for the spec (the spec's resolver, or a command
/// that runs a spec without compiling it): the runtime refuses such a definition with the
/// spec position it was written at. Two factories always compare equal, since the spec
/// path next to them already identifies the type (function pointers have no stable
/// identity to compare).
#[derive(Clone, Copy)]
pub struct RustFactory(pub Option<fn() -> AnyBox>);

impl RustFactory {
    /// No constructor: what the spec's resolver holds before code generation.
    pub const NONE: RustFactory = RustFactory(None);
}

impl PartialEq for RustFactory {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for RustFactory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "RustFactory(generated)"
        } else {
            "RustFactory(none)"
        })
    }
}
