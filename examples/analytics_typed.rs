//! Runs the `analytics_typed` seed (specs/analytics_typed.toml) into a destination and prints the load report.
//! Secrets come from the environment; against the mock API (`cargo run -p restsource-mock`):
//!
//! ```sh
//! API_KEY=test-key cargo run --example analytics_typed -- \
//!     --base-url http://127.0.0.1:PORT --destination sqlite:analytics_typed.db [RESOURCE...]
//! ```

restsource::include_source!("specs/analytics_typed.toml");
restsource::source_main!(analytics_typed, "sqlite:analytics_typed.db");
