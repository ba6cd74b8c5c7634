//! The committed `generated/` files compile with warnings denied and hold what their specs
//! say. Kept apart from `tests/generated.rs` so stale files can be refreshed even when they
//! no longer compile.

/// The committed files, compiled. `dead_code` is allowed because a test binary uses only a
/// part of each public API; every other warning is an error.
#[deny(warnings)]
#[allow(dead_code)]
mod compiled {
    include!("../generated/showcase.rs");
    include!("../generated/analytics.rs");
    include!("../generated/analytics_typed.rs");
    include!("../generated/social_media.rs");
    include!("../generated/oauth_analytics.rs");
    include!("../generated/inventory.rs");
    include!("../generated/shop.rs");
}

/// `shop.json` beside `shop.tables.json` (hand-written in `restsource infer`'s format): every
/// shape the tables file can give a field, decoded from a record.
#[test]
fn fields_typed_from_the_tables_file_decode_a_record() {
    use compiled::shop::*;
    use restsource::runtime::record::ChildRow;
    let record = serde_json::json!({
        "orderId": 5, "status": "open", "placedAt": "2024-03-01T10:00:00Z", "total": "n/a",
        "meta": {"any": [1]}, "shipTo": {"city": "Oslo", "geo": {"lat": 59.9}},
        "customer": {"name": "Kari", "emails": ["k@x.no"]},
        "lines": [{"sku": "a", "qty": 2, "price": {"amount": 1.5}, "discounts": [{"code": "X"}]}],
        "tags": ["new"], "matrix": [[1, 2]]
    });
    let order: Orders = serde_json::from_value(record).unwrap();
    assert_eq!(order.order_id, 5);
    assert_eq!(order.status.as_deref(), Some("open"));
    assert_eq!(order.total, None);
    assert_eq!(order.meta, Some(serde_json::json!({"any": [1]})));
    let ship_to: OrdersShipTo = order.ship_to.clone().unwrap();
    assert_eq!(ship_to.geo.and_then(|g| g.lat), Some(59.9));
    assert_eq!(
        order.customer.clone().and_then(|c| c.emails),
        Some(vec![Some("k@x.no".to_string())])
    );
    let lines: Vec<OrdersLines> = order.lines.clone().unwrap();
    assert_eq!(lines[0].qty, Some(2));
    assert_eq!(lines[0].price.clone().and_then(|p| p.amount), Some(1.5));
    let discounts: Vec<OrdersLinesDiscounts> = lines[0].discounts.clone().unwrap();
    assert_eq!(discounts[0].code.as_deref(), Some("X"));
    // A child table's row names its table and its parent's row struct.
    assert_eq!(<OrdersLines as ChildRow>::TABLE, "orders__lines");
    assert_eq!(
        <OrdersLinesDiscounts as ChildRow>::TABLE,
        "orders__lines__discounts"
    );
    fn parent_of<C: ChildRow<Parent = P>, P>() {}
    parent_of::<OrdersLines, Orders>();
    parent_of::<OrdersLinesDiscounts, OrdersLines>();
    // What the file does not type stays, as received: a value of another type, a list of lists.
    assert_eq!(
        order.extra.to_map(),
        serde_json::json!({"total": "n/a", "matrix": [[1, 2]]})
            .as_object()
            .unwrap()
            .clone()
    );
    // The record's JSON form is the record as received (key order aside).
    let back = serde_json::to_value(&order).unwrap();
    assert_eq!(back["lines"][0]["discounts"][0]["code"], "X");
    assert_eq!(back["shipTo"]["geo"]["lat"], 59.9);
}

#[test]
fn seed_sources_have_their_resources() {
    use compiled::*;
    let names = |def: &restsource::runtime::def::SourceDef| -> Vec<&str> {
        def.resources.iter().map(|r| r.name).collect()
    };
    assert_eq!(names(&analytics::SOURCE).len(), 1);
    assert_eq!(names(&analytics_typed::SOURCE).len(), 1);
    assert_eq!(names(&social_media::SOURCE).len(), 7);
    assert_eq!(names(&oauth_analytics::SOURCE).len(), 1);
    assert_eq!(
        names(&inventory::SOURCE),
        [
            "stock_summaries",
            "customers",
            "items",
            "stock_details",
            "inventory",
            "orders"
        ]
    );
    let secrets: Vec<&str> = oauth_analytics::SOURCE
        .secrets
        .iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(secrets, ["client_id", "client_secret"]);
}

#[test]
fn showcase_compiles_to_the_expected_constants() {
    use compiled::showcase as s;
    assert_eq!(s::SOURCE.name, "showcase");
    assert_eq!(s::SOURCE.resources.len(), 6);
    assert_eq!(s::ITEMS.primary_key, &["id", "type"]);
    assert_eq!(s::SOURCE_2.name, "source");
    let names: Vec<&str> = s::Source::resources().iter().map(|h| h.def.name).collect();
    // `type` is deselected.
    assert_eq!(names, ["items", "item_details", "source", "new", "offsets"]);
    assert_eq!(
        s::Source::resource("type").map(|h| h.def.table_name),
        Some("type")
    );
    assert!(s::Source::resource("nope").is_none());
    // The form body of `item_details` (a `data` object in a spec).
    let Some(restsource::runtime::def::DataDef::Form(fields)) = s::ITEM_DETAILS.endpoint.data
    else {
        panic!("item_details has no form body");
    };
    let keys: Vec<&str> = fields.iter().map(|(k, _)| *k).collect();
    assert_eq!(keys, ["item", "fields"]);
}
