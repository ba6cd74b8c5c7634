//! `init --openapi`: every security scheme style as the spec's `client.auth`, credentials
//! always secret references.

use restsource_import::openapi::{import, Imported};
use serde_json::{json, Value};

fn with_security(schemes: Value, global: Option<Value>, op_security: Option<Value>) -> Imported {
    let mut op = json!({ "responses": { "200": { "description": "ok", "content": {
        "application/json": { "schema": { "type": "array", "items": { "type": "object" } } } } } } });
    if let Some(s) = op_security {
        op["security"] = s;
    }
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": { "title": "Secure", "version": "1" },
        "servers": [{ "url": "https://api.example.com" }],
        "paths": { "/things": { "get": op } },
        "components": { "securitySchemes": schemes }
    });
    if let Some(g) = global {
        doc["security"] = g;
    }
    import(&doc.to_string(), None, "secure.json").unwrap()
}

fn auth_of(schemes: Value) -> Value {
    let name = schemes.as_object().unwrap().keys().next().unwrap().clone();
    let i = with_security(schemes, Some(json!([{ name: [] }])), None);
    i.draft.spec["client"]["auth"].clone()
}

#[test]
fn api_keys_in_header_query_and_cookie() {
    for (place, location) in [
        ("header", "header"),
        ("query", "query"),
        ("cookie", "cookie"),
    ] {
        let auth = auth_of(json!({ "key": { "type": "apiKey", "in": place, "name": "X-Key" } }));
        assert_eq!(
            auth,
            json!({ "type": "api_key", "name": "X-Key", "api_key": { "secret": "api_key" },
                    "location": location })
        );
    }
}

#[test]
fn http_bearer_and_basic() {
    assert_eq!(
        auth_of(json!({ "b": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT" } })),
        json!({ "type": "bearer", "token": { "secret": "token" } })
    );
    assert_eq!(
        auth_of(json!({ "b": { "type": "http", "scheme": "Basic" } })),
        json!({ "type": "http_basic", "username": { "secret": "username" },
                "password": { "secret": "password" } })
    );
}

#[test]
fn oauth2_client_credentials_with_its_token_url() {
    let auth = auth_of(
        json!({ "o": { "type": "oauth2", "flows": { "clientCredentials": {
        "tokenUrl": "https://auth.example.com/token", "scopes": { "read": "read" } } } } }),
    );
    assert_eq!(
        auth,
        json!({ "type": "oauth2_client_credentials",
                "access_token_url": "https://auth.example.com/token",
                "client_id": { "secret": "client_id" },
                "client_secret": { "secret": "client_secret" } })
    );
}

#[test]
fn other_oauth2_flows_are_left_out_with_a_note() {
    let i = with_security(
        json!({ "o": { "type": "oauth2", "flows": { "authorizationCode": {
            "authorizationUrl": "https://a", "tokenUrl": "https://t", "scopes": {} } } } }),
        Some(json!([{ "o": ["read"] }])),
        None,
    );
    assert_eq!(i.draft.spec["client"].get("auth"), None);
    assert_eq!(
        i.report.notes,
        vec![
            "auth: scheme `o`: only the OAuth2 client-credentials flow (with its `tokenUrl`) \
              is supported; for another flow, get a token yourself and use `bearer`"
        ]
    );
}

#[test]
fn the_scheme_operations_name_when_there_is_no_global_security() {
    let i = with_security(
        json!({ "basic": { "type": "http", "scheme": "basic" },
                "token": { "type": "http", "scheme": "bearer" } }),
        None,
        Some(json!([{ "token": [] }])),
    );
    assert_eq!(i.draft.spec["client"]["auth"]["type"], "bearer");
    let comment = &i
        .draft
        .comments
        .iter()
        .find(|(at, _)| at.len() == 2)
        .unwrap()
        .1;
    assert_eq!(
        comment,
        "auth: scheme `token`, the scheme most GET operations name in `security`; credentials \
         are read from the environment"
    );
}

#[test]
fn the_only_scheme_when_nothing_names_one() {
    let i = with_security(
        json!({ "k": { "type": "apiKey", "in": "header", "name": "Api-Key" } }),
        None,
        None,
    );
    assert_eq!(i.draft.spec["client"]["auth"]["name"], "Api-Key");
}

#[test]
fn credential_parameters_are_secret_references_never_document_values() {
    let doc = json!({
        "openapi": "3.0.3",
        "info": { "title": "Keys", "version": "1" },
        "servers": [{ "url": "https://api.example.com" }],
        "security": [{ "k": [] }],
        "components": { "securitySchemes": {
            "k": { "type": "apiKey", "in": "query", "name": "api_key" } } },
        "paths": { "/things": { "get": {
            "parameters": [
                { "name": "api_key", "in": "query", "required": true,
                  "schema": { "type": "string", "example": "live-123" } },
                { "name": "Signature", "in": "query", "required": true,
                  "schema": { "type": "string", "default": "abc" } },
                { "name": "region", "in": "query", "required": true,
                  "schema": { "type": "string", "default": "eu" } }
            ],
            "responses": { "200": { "description": "ok", "content": { "application/json": {
                "schema": { "type": "array", "items": { "type": "object" } } } } } }
        } } }
    });
    let i = import(&doc.to_string(), None, "keys.json").unwrap();
    // `api_key` is sent by the client auth; `Signature` is read from the environment.
    assert_eq!(
        i.draft.spec["resources"][0]["endpoint"]["params"],
        json!({ "Signature": { "secret": "signature" }, "region": "eu" })
    );
    assert!(!i.draft.to_toml().contains("live-123"));
    assert!(!i.draft.to_toml().contains("abc"));
}
