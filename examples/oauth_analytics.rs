//! Runs the `oauth_analytics` seed (specs/oauth_analytics.toml) into a destination and prints the load report.
//! Secrets come from the environment; against the mock API (`cargo run -p restsource-mock`):
//!
//! ```sh
//! CLIENT_ID=client-1 CLIENT_SECRET=secret-1 cargo run --example oauth_analytics -- \
//!     --base-url http://127.0.0.1:PORT --destination sqlite:oauth_analytics.db [RESOURCE...]
//! ```

restsource::include_source!("specs/oauth_analytics.toml");
restsource::source_main!(oauth_analytics, "sqlite:oauth_analytics.db");
