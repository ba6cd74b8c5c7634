//! Runs the `analytics` seed (specs/analytics.json) into a destination and prints the load report.
//! Secrets come from the environment; against the mock API (`cargo run -p restsource-mock`):
//!
//! ```sh
//! API_KEY=test-key cargo run --example analytics -- \
//!     --base-url http://127.0.0.1:PORT --destination sqlite:analytics.db [RESOURCE...]
//! ```

restsource::include_source!("specs/analytics.json");
restsource::source_main!(analytics, "sqlite:analytics.db");
