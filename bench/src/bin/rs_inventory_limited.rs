//! restsource on the inventory seed with `rate_limit = 100 requests/s` in the spec.

restsource::include_source!("specs/inventory_rate_limited.toml");
restsource::source_main!(inventory_rate_limited, "sqlite:rs_inventory_limited.db");
