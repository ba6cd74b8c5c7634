//! Runs the `inventory` seed (specs/inventory.toml) into a destination and prints the load report.
//! Secrets come from the environment; against the mock API (`cargo run -p restsource-mock`):
//!
//! ```sh
//! API_KEY=test-key cargo run --example inventory -- \
//!     --base-url http://127.0.0.1:PORT --destination sqlite:inventory.db [RESOURCE...]
//! ```

restsource::include_source!("specs/inventory.toml");
restsource::source_main!(inventory, "sqlite:inventory.db");
