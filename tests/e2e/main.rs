//! End-to-end tests: each seed spec through `include_source!`, against the local mock API,
//! into SQLite, with exact table contents, request logs and injected faults.

mod analytics;
mod as_written;
mod auth;
mod auth_tokens;
mod bulk;
mod delta;
mod delta_relational;
mod delta_shards;
mod harness;
mod hatch;
mod imported;
mod inferred;
mod inventory;
mod oauth;
mod openapi;
mod program;
mod response_actions;
mod shards;
mod social;
mod spec_keys;
mod transforms;
mod windows;
