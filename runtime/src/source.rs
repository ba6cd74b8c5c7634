//! What a generated source is to the runtime: an extractor plus its resources.

use crate::extract::{Extractor, ResourceHandle};

/// A source the [`Pipeline`](crate::pipeline::Pipeline) can run: implemented by the `Source`
/// type that `include_source!`, the build.rs `Builder` and `restsource generate` produce, so
/// running one is `Pipeline::new(destination).run(&source)`.
pub trait Source {
    /// The extractor the source runs with: its HTTP client settings, secrets and options
    /// (base URL override, concurrency).
    fn extractor(&self) -> &Extractor;
    /// Every selected resource, parents before children: what a run loads by default.
    fn resources() -> Vec<ResourceHandle>
    where
        Self: Sized;
    /// The resource named `name` in the spec, selected or not.
    fn resource(name: &str) -> Option<ResourceHandle>
    where
        Self: Sized;
}
