//! restsource on `bench/specs/crm_unlimited.toml` (the `crm` example's spec without its rate
//! limit): the program `bench/shards.py` runs as 1, 2 and 4 shards.

restsource::include_source!("specs/crm_unlimited.toml");
restsource::source_main!(crm_unlimited, "sqlite:rs_crm.db");
