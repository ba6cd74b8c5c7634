//! restsource on the inventory seed, exactly as `examples/inventory.rs` (built here so the
//! benchmark builds every contender in one release build).

restsource::include_source!("../specs/inventory.toml");
restsource::source_main!(inventory, "sqlite:rs_inventory.db");
