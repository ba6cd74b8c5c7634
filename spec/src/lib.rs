//! The restsource spec model and its validation: one model shared by the macro, build.rs and
//! the command line, so a spec is judged the same way everywhere.
#![deny(missing_docs)]

pub mod model;
