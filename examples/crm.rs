//! Runs the `crm` spec (specs/crm.toml): customers, and each customer's orders and stock
//! read through child requests. The program shards: N copies, each started with
//! `--shard I/N` against one destination, together load what one run loads (see
//! `examples/shards/`). Against the mock API (`cargo run -p restsource-mock`):
//!
//! ```sh
//! API_KEY=test-key cargo run --example crm -- \
//!     --base-url http://127.0.0.1:PORT --destination sqlite:crm.db [--shard 0/4]
//! ```

restsource::include_source!("specs/crm.toml");
restsource::source_main!(crm, "sqlite:crm.db");
