//! Typed transforms: Rust closures over a resource's record struct, run on every page of that
//! resource (dlt's `processing_steps` `filter` and `map`, which are Python callables there).
//!
//! A generated `Source` attaches them with `source.filter(|i: &Item| i.active)` and
//! `source.map(|i: Item| Item { .. })`; the closure's argument type names the resource, so
//! a closure over a field the struct lacks, or over another source's struct, does not
//! compile. The steps run in the order they were attached, after the incremental filter and
//! `include_from_parent` (as dlt runs a resource's processing steps after its incremental
//! step) and before the page is loaded or its records feed child resources.

use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;

use crate::record::Record;

/// One step over records of type `R`.
enum Step<R> {
    Filter(Box<dyn Fn(&R) -> bool + Send + Sync>),
    Map(Box<dyn Fn(R) -> R + Send + Sync>),
}

/// The steps of one resource, in order.
struct Steps<R> {
    steps: Vec<Step<R>>,
}

impl<R: Record> Steps<R> {
    fn run(&self, records: &mut Vec<R>) {
        for step in &self.steps {
            match step {
                Step::Filter(keep) => records.retain(|r| keep(r)),
                // Collecting an owning iterator back into a `Vec` of the same type reuses the
                // page's allocation.
                Step::Map(f) => *records = std::mem::take(records).into_iter().map(f).collect(),
            }
        }
    }
}

/// A resource's steps with their record type erased, so the extraction engine (which is not
/// generic) can run them on a page whose type only the steps know.
#[derive(Clone)]
pub(crate) struct PageSteps {
    steps: Arc<dyn Any + Send + Sync>,
    run: fn(&(dyn Any + Send + Sync), &mut dyn Any),
}

impl std::fmt::Debug for PageSteps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PageSteps")
    }
}

fn run_steps<R: Record>(steps: &(dyn Any + Send + Sync), page: &mut dyn Any) {
    // A page of another type (a JSON page sampled by `restsource infer`) is left alone:
    // typed steps only exist for typed pages of their own resource.
    if let (Some(steps), Some(records)) = (
        steps.downcast_ref::<Steps<R>>(),
        page.downcast_mut::<Vec<R>>(),
    ) {
        steps.run(records);
    }
}

impl PageSteps {
    /// Runs the steps on `page` (the `Vec<R>` of a decoded page).
    pub(crate) fn run(&self, page: &mut dyn Any) {
        (self.run)(&*self.steps, page)
    }
}

/// Every resource's typed steps, by resource name: what an [`Extractor`](crate::extract::Extractor)
/// holds and hands to each resource it runs.
#[derive(Clone, Default, Debug)]
pub(crate) struct Transforms {
    by_resource: HashMap<&'static str, PageSteps>,
}

impl Transforms {
    /// Appends `step` to the steps of `R`'s resource.
    fn push<R: Record>(&mut self, step: Step<R>) {
        let name = R::RESOURCE.name;
        let mut steps: Vec<Step<R>> = Vec::new();
        if let Some(old) = self.by_resource.remove(name) {
            // Steps are only ever added here, and only as `Steps<R>` of the resource's own
            // record type, so the downcast finds them; `Arc::try_unwrap` fails only when a
            // running extraction still holds them, and then they are rebuilt below.
            if let Ok(old) = Arc::downcast::<Steps<R>>(old.steps) {
                if let Ok(old) = Arc::try_unwrap(old) {
                    steps = old.steps;
                } else {
                    tracing::warn!(
                        resource = name,
                        "a transform was added while the source was running; earlier transforms \
                         of this resource are replaced"
                    );
                }
            }
        }
        steps.push(step);
        self.by_resource.insert(
            name,
            PageSteps {
                steps: Arc::new(Steps { steps }),
                run: run_steps::<R>,
            },
        );
    }

    /// Appends a filter: records for which `keep` is false are dropped.
    pub(crate) fn filter<R: Record>(&mut self, keep: impl Fn(&R) -> bool + Send + Sync + 'static) {
        self.push(Step::Filter(Box::new(keep)));
    }

    /// Appends a map: every record is replaced by `f` of it.
    pub(crate) fn map<R: Record>(&mut self, f: impl Fn(R) -> R + Send + Sync + 'static) {
        self.push(Step::Map(Box::new(f)));
    }

    /// The steps of resource `name`, if any were attached.
    pub(crate) fn of(&self, name: &str) -> Option<PageSteps> {
        self.by_resource.get(name).cloned()
    }
}

/// Marks the record structs of one generated source: `Source::filter` and `Source::map` take
/// closures over `R: RecordOf<Source>`, so a closure over another source's struct (which
/// could share a resource name) is a compile error, not a transform that never runs.
/// Generated code implements it for each resource struct.
pub trait RecordOf<S>: Record {}
