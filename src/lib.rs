// The README is the crate doc, so its examples are compiled as doctests.
#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

pub mod program;

pub use restsource_macros::include_source;
pub use restsource_runtime as runtime;
pub use restsource_runtime::{
    Destination, LoadReport, Pipeline, PipelineError, PipelineOptions, Source,
};
