//! `restsource shards SPEC N`: the split every shard of a program computes, printed.

mod common;

use common::{run, text};

#[test]
fn prints_what_each_of_four_shards_loads_reads_and_keeps() {
    let out = run(&["shards", "specs/crm.toml", "4"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let part = "customer_orders (children of the `customers` records it holds), \
                customer_stock (children of the `customers` records it holds)";
    let shard = |i: u32, whole: &str, read: &str, rows: &str| {
        format!(
            "shard {i}/4\n  loads whole:    {whole}\n  loads its part: {part}\n  reads only:     {read}\n  state rows:     {rows}\n"
        )
    };
    let keys = |i: u32| format!("_rs_shard {i}/4 customer_orders, _rs_shard {i}/4 customer_stock");
    let expected = [
        shard(0, "customers", "-", &format!("customers, {}", keys(0))),
        shard(
            1,
            "items",
            "customers",
            &format!("items, {}, _rs_shard 1/4 customers", keys(1)),
        ),
        shard(
            2,
            "stock_summaries",
            "customers",
            &format!("stock_summaries, {}, _rs_shard 2/4 customers", keys(2)),
        ),
        shard(
            3,
            "-",
            "customers",
            &format!("{}, _rs_shard 3/4 customers", keys(3)),
        ),
    ]
    .concat();
    assert_eq!(text(&out.stdout), expected);
}

#[test]
fn zero_shards_is_refused() {
    let out = run(&["shards", "specs/crm.toml", "0"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stderr), "N must be 1 or more\n");
}
