//! The keys reading accepts are the keys the JSON Schema describes: reading is hand-written
//! (for its messages) and the schema is derived from the model, so a key added to one and not
//! the other would make an editor reject a spec the loader takes, or the loader reject one the
//! schema promises.

use super::{auth, contract, credential, paginator, resource, source, table};
use serde_json::Value;
use std::collections::BTreeSet;

fn schema() -> Value {
    serde_json::from_str(&crate::json_schema()).expect("the schema is JSON")
}

fn keys(props: &Value) -> BTreeSet<String> {
    props
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// The properties of definition `def`.
fn def(schema: &Value, def: &str) -> BTreeSet<String> {
    let props = &schema["$defs"][def]["properties"];
    assert!(props.is_object(), "no definition `{def}` with properties");
    keys(props)
}

/// The properties of the variant of tagged union `def` whose `type` is `tag`.
fn variant(schema: &Value, def: &str, tag: &str) -> BTreeSet<String> {
    let variants = schema["$defs"][def]["oneOf"]
        .as_array()
        .unwrap_or_else(|| panic!("`{def}` is not a tagged union"));
    let names = |v: &Value| -> Vec<String> {
        let t = &v["properties"]["type"];
        let mut out: Vec<String> = t["enum"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        out.extend(t["const"].as_str().map(String::from));
        out
    };
    let v = variants
        .iter()
        .find(|v| names(v).iter().any(|n| n == tag))
        .unwrap_or_else(|| panic!("no `{tag}` variant in `{def}`"));
    keys(&v["properties"])
}

fn set(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// One allowed-key list of reading beside the schema object it reads.
struct Pair {
    name: &'static str,
    reading: BTreeSet<String>,
    schema: BTreeSet<String>,
    /// Keys accepted only to be refused or ignored with a message of their own.
    refused: &'static [&'static str],
}

fn pair(name: &'static str, reading: &[&str], schema: BTreeSet<String>) -> Pair {
    Pair {
        name,
        reading: set(reading),
        schema,
        refused: &[],
    }
}

/// Every allowed-key list of reading.
fn pairs(s: &Value) -> Vec<Pair> {
    let mut resource_keys = vec!["name"];
    resource_keys.extend_from_slice(resource::BASE_KEYS);
    let pag = |tag| variant(s, "Paginator", tag);
    let au = |tag| variant(s, "AuthConfig", tag);
    vec![
        pair("TOP_KEYS", source::TOP_KEYS, keys(&s["properties"])),
        pair("CLIENT_KEYS", source::CLIENT_KEYS, def(s, "ClientConfig")),
        pair("RETRY_KEYS", source::RETRY_KEYS, def(s, "RetryConfig")),
        pair(
            "RATE_LIMIT_KEYS",
            source::RATE_LIMIT_KEYS,
            def(s, "RateLimitConfig"),
        ),
        pair(
            "RATE_LIMIT_HEADERS_KEYS",
            source::RATE_LIMIT_HEADERS_KEYS,
            def(s, "RateLimitHeadersConfig"),
        ),
        pair("BASE_KEYS", resource::BASE_KEYS, def(s, "ResourceBase")),
        pair("name + BASE_KEYS", &resource_keys, def(s, "Resource")),
        pair("ENDPOINT_KEYS", resource::ENDPOINT_KEYS, def(s, "Endpoint")),
        pair(
            "INCREMENTAL_KEYS",
            resource::INCREMENTAL_KEYS,
            def(s, "IncrementalConfig"),
        ),
        pair(
            "INCREMENTAL_PARAM_KEYS",
            resource::INCREMENTAL_PARAM_KEYS,
            def(s, "IncrementalParam"),
        ),
        pair(
            "RESOLVE_PARAM_KEYS",
            resource::RESOLVE_PARAM_KEYS,
            def(s, "ResolveParam"),
        ),
        pair(
            "RESPONSE_ACTION_KEYS",
            resource::RESPONSE_ACTION_KEYS,
            def(s, "ResponseAction"),
        ),
        pair(
            "SECRET_REF_KEYS",
            credential::SECRET_REF_KEYS,
            def(s, "SecretRef"),
        ),
        pair("COLUMN_KEYS", table::COLUMN_KEYS, def(s, "ColumnHints")),
        pair(
            "CONTRACT_KEYS",
            contract::CONTRACT_KEYS,
            def(s, "ContractEntities"),
        ),
        pair(
            "WRITE_DISPOSITION_KEYS",
            table::WRITE_DISPOSITION_KEYS,
            def(s, "WriteDispositionObject"),
        ),
        pair("BEARER_KEYS", auth::BEARER_KEYS, au("bearer")),
        pair("API_KEY_KEYS", auth::API_KEY_KEYS, au("api_key")),
        pair("HTTP_BASIC_KEYS", auth::HTTP_BASIC_KEYS, au("http_basic")),
        // A preset token is read only to warn that it is ignored.
        Pair {
            refused: &["access_token"],
            ..pair("OAUTH_KEYS", auth::OAUTH_KEYS, au("oauth2"))
        },
        pair("SESSION_KEYS", auth::SESSION_KEYS, au("session_token")),
        pair(
            "TYPE_ONLY_KEYS (single_page)",
            paginator::TYPE_ONLY_KEYS,
            pag("single_page"),
        ),
        pair(
            "TYPE_ONLY_KEYS (auto)",
            paginator::TYPE_ONLY_KEYS,
            pag("auto"),
        ),
        pair("OFFSET_KEYS", paginator::OFFSET_KEYS, pag("offset")),
        pair("PAGE_KEYS", paginator::PAGE_KEYS, pag("page_number")),
        pair("CURSOR_KEYS", paginator::CURSOR_KEYS, pag("cursor")),
        pair(
            "HEADER_CURSOR_KEYS",
            paginator::HEADER_CURSOR_KEYS,
            pag("header_cursor"),
        ),
        pair(
            "JSON_LINK_KEYS",
            paginator::JSON_LINK_KEYS,
            pag("json_link"),
        ),
        pair(
            "HEADER_LINK_KEYS",
            paginator::HEADER_LINK_KEYS,
            pag("header_link"),
        ),
    ]
}

#[test]
fn allowed_keys_are_the_schema_properties() {
    let schema = schema();
    let mut problems = Vec::new();
    for p in pairs(&schema) {
        let (name, schema_keys) = (p.name, p.schema);
        let reading: BTreeSet<String> = p
            .reading
            .into_iter()
            .filter(|k| !p.refused.contains(&k.as_str()))
            .collect();
        let only_reading: Vec<_> = reading.difference(&schema_keys).collect();
        let only_schema: Vec<_> = schema_keys.difference(&reading).collect();
        if !only_reading.is_empty() || !only_schema.is_empty() {
            problems.push(format!(
                "{name}: allowed by reading but not in the schema {only_reading:?}; in the schema but not allowed by reading {only_schema:?}"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
