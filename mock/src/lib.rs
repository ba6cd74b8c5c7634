//! A mock API for the seeds, on loopback only.
//!
//! [`MockApi::start`] serves the analytics, social and inventory APIs the seed specs
//! describe (`GET /v1/<resource>?offset=&limit=[&updated_since=][&updated_before=]` answering
//! `{"data": [...], "total": N}`, API key or OAuth2 client-credentials auth), with
//! deterministic data, changes between runs ([`MutationSpec`]), injected faults
//! ([`FaultPlan`]) and a request log ([`LoggedRequest`]) for exact assertions.
#![deny(missing_docs)]

mod admin;
mod api;
mod auth;
mod bulk;
mod config;
mod control;
mod encode;
mod faults;
mod generate;
mod handle;
mod log;
mod mutation;
mod render;
mod resources;
mod server;
mod store;

pub use bulk::bulk_record;
pub use config::{AuthMode, MockConfig, Shape};
pub use encode::Compression;
pub use faults::{FaultKind, FaultPlan, RetryAfter, TargetedFault};
pub use handle::{MockApi, UnknownResource};
pub use log::{LoggedRequest, MockStats};
pub use mutation::{MutationOutcome, MutationSpec};
pub use resources::{all_resources, kind_of, ResourceKind, ANALYTICS, INVENTORY, SOCIAL};
