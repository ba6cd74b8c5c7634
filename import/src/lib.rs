//! Specs from what users already have. `restsource import-dlt` reads a dlt Python
//! `rest_api_source({...})` config and `restsource init --openapi` reads an OpenAPI document;
//! both produce a [`Draft`]: the spec as a JSON value in the spec's own shape, plus comments
//! tied to places in it and a report of what was converted and what was skipped. [`Draft`]
//! prints itself as TOML (with the comments) or JSON, so the importers never write text.

pub mod dlt_python;
mod draft;
pub mod openapi;

pub use dlt_python::import_dlt;
pub use draft::{Draft, Place, Seg};
