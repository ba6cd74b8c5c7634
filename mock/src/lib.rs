//! A mock API for the seeds, on loopback only.
#![deny(missing_docs)]
