//! restsource on the inventory seed with the tables `restsource infer` wrote from the mock's
//! wide records beside it: every field of every record is a typed struct field, as in the
//! hand-written loader, instead of declared columns plus undeclared JSON.

restsource::include_source!("specs/inventory_typed.toml");
restsource::source_main!(inventory, "sqlite:rs_inventory.db");
