//! `Extractor::check` against the mock: one request per resource, each problem named by
//! kind (auth, URL, selector), a child asked for its parent's first record, nothing retried.

mod common_extract;

use common_extract::*;
use restsource_mock::{MockApi, MockConfig};
use restsource_runtime::def::*;
use restsource_runtime::extract::{CheckOutcome, Extractor, Problem, ResourceHandle};
use restsource_runtime::secret::SecretValues;

const KEY: Lit = Lit::Str::<Static>(Template(&[TemplatePart::Lit("test-key")]));
const WRONG_KEY: Lit = Lit::Str::<Static>(Template(&[TemplatePart::Lit("wrong")]));

const fn at(path: &'static [TemplatePart], params: &'static [(&'static str, Lit)]) -> EndpointDef {
    EndpointDef {
        path: Template(path),
        params,
        ..ENDPOINT
    }
}

const PARENT_ID: Lit =
    Lit::Str::<Static>(Template(&[TemplatePart::Parent(&[PathStep::key("id")])]));

const ITEMS: ResourceDef = ResourceDef {
    name: "items",
    endpoint: at(
        &[TemplatePart::Lit("v1/items")],
        &[("api_key", KEY), ("limit", Lit::Int(5))],
    ),
    ..RESOURCE
};
const ORDERS: ResourceDef = ResourceDef {
    name: "orders",
    endpoint: at(&[TemplatePart::Lit("v1/orders")], &[("api_key", WRONG_KEY)]),
    ..RESOURCE
};
const NOPE: ResourceDef = ResourceDef {
    name: "nope",
    endpoint: at(&[TemplatePart::Lit("v1/nope")], &[("api_key", KEY)]),
    ..RESOURCE
};
const CUSTOMERS: ResourceDef = ResourceDef {
    name: "customers",
    endpoint: EndpointDef {
        data_selector: Some(&[PathStep::key("results")]),
        ..at(&[TemplatePart::Lit("v1/customers")], &[("api_key", KEY)])
    },
    ..RESOURCE
};
const DETAILS: ResourceDef = ResourceDef {
    name: "details",
    endpoint: at(
        &[TemplatePart::Lit("v1/stock_details")],
        &[
            ("api_key", KEY),
            ("limit", Lit::Int(3)),
            ("item", PARENT_ID),
        ],
    ),
    parent: Some(ParentDef {
        resource: &ITEMS,
        include_from_parent: &[],
    }),
    ..RESOURCE
};
record_type!(Items, &ITEMS);
record_type!(Orders, &ORDERS);
record_type!(Nope, &NOPE);
record_type!(Customers, &CUSTOMERS);
record_type!(Details, &DETAILS, parent = Items);

static CHECKED: SourceDef = SourceDef {
    resources: &[&ITEMS, &ORDERS, &NOPE, &CUSTOMERS, &DETAILS],
    ..SOURCE
};

#[tokio::test]
async fn one_request_per_resource_each_problem_by_kind() {
    let api = MockApi::start(MockConfig::default()).await;
    let base = api.base_url();
    let ex = Extractor::new(&CHECKED, SecretValues::new()).with_base_url(&base);
    let report = ex
        .check(&[
            ResourceHandle::of::<Orders>(),
            ResourceHandle::of::<Nope>(),
            ResourceHandle::of::<Customers>(),
            ResourceHandle::of::<Details>(),
        ])
        .await
        .unwrap();
    let text = report.to_string().replace(&base, "BASE");
    assert_eq!(
        text,
        concat!(
        "auth     orders: resource `orders`: GET BASE/v1/orders?api_key=*** returned status 401, a config error (the API refused the credentials; check this source's secrets): {\"error\":\"invalid api key\"}\n",
        "url      nope: resource `nope`: GET BASE/v1/nope?api_key=*** returned status 404: {\"error\":\"not found\"}\n",
        "selector customers: resource `customers`: page 1 (BASE/v1/customers?api_key=***): data_selector `results` not found in the response (if the API leaves it out of empty pages, set the endpoint's `data_selector_missing` to \"empty\"); body: {\"data\":[{\"id\":1,\"name\":\"customers #1\",\"updated_at\":\"2024-01-01T00:01:00Z\",\"quantity\":64,\"price\":\"275.52\",\"active\":true,\"ratio\":0.0830078125,\"created_on\":\"2024-01-02\",\"restock_at\":\"07:45:00\",\"blob\":\"A…\n",
        "ok       items: 5 records on the first page\n",
        "ok       details: 3 records on the first page\n",
        "2 of 5 resources ok",
    )
    );
    assert!(!report.passed());
    let kinds: Vec<(&str, Option<Problem>)> = report
        .resources
        .iter()
        .map(|(n, o)| {
            let p = match o {
                CheckOutcome::Failed { problem, .. } => Some(*problem),
                _ => None,
            };
            (n.as_str(), p)
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("orders", Some(Problem::Auth)),
            ("nope", Some(Problem::Url)),
            ("customers", Some(Problem::Selector)),
            ("items", None),
            ("details", None),
        ]
    );
    // One request each, no retries (the 401 and the 404 are not retried anyway; the
    // defaults would retry a 5xx four times).
    let paths: Vec<String> = api.request_log().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths.len(), 5, "{paths:?}");
}
