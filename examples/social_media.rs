//! Runs the `social_media` seed (specs/social_media.json) into a destination and prints the load report.
//! Secrets come from the environment; against the mock API (`cargo run -p restsource-mock`):
//!
//! ```sh
//! API_KEY=test-key cargo run --example social_media -- \
//!     --base-url http://127.0.0.1:PORT --destination sqlite:social_media.db [RESOURCE...]
//! ```

restsource::include_source!("specs/social_media.json");
restsource::source_main!(social_media, "sqlite:social_media.db");
