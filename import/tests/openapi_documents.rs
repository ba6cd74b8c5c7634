//! `init --openapi`: documents as a whole: YAML and JSON, Swagger 2.0 and parse errors,
//! servers, resource names, children from path parameters, skips, and the exact TOML.

use restsource_import::openapi::{import, OpenApiError};
use serde_json::json;

#[test]
fn swagger_2_is_refused_with_what_to_do() {
    let err = import("swagger: \"2.0\"\ninfo: {title: x}\n", None, "x.yaml").unwrap_err();
    assert!(matches!(err, OpenApiError::Swagger(ref v) if v == "2.0"));
    assert_eq!(
        err.to_string(),
        "this is a Swagger 2.0 document; only OpenAPI 3.0 and 3.1 are read. Convert it first \
         (for example with swagger2openapi or the Swagger Editor's \"Convert to OpenAPI 3\"), \
         then run `restsource init --openapi` on the result"
    );
    let err = import("{\"info\": {}}", None, "x.json").unwrap_err();
    assert_eq!(
        err.to_string(),
        "no `openapi: 3.x` key at the top: not an OpenAPI document"
    );
}

#[test]
fn a_parse_error_has_its_line_and_column() {
    let err = import("openapi: 3.1.0\npaths:\n  /x: [unclosed\n", None, "x.yaml").unwrap_err();
    let OpenApiError::Parse { line, column, .. } = err else {
        panic!("{err}")
    };
    assert_eq!((line, column), (4, 1));
    let err = import("{\"openapi\": \"3.1.0\",\n \"paths\": ]", None, "x.json").unwrap_err();
    let OpenApiError::Parse { line, column, .. } = err else {
        panic!("{err}")
    };
    assert_eq!((line, column), (2, 11));
}

const SHOP: &str = r##"
openapi: 3.1.0
info: {title: The Shop API, version: "2"}
servers:
  - url: https://{region}.shop.example/api/v2
    variables: {region: {default: eu}}
components:
  schemas:
    User:
      type: object
      required: [id]
      properties:
        id: {type: integer}
        email: {type: string}
  securitySchemes:
    token: {type: http, scheme: bearer}
security: [{token: []}]
paths:
  /users:
    get:
      parameters:
        - {name: page, in: query, schema: {type: integer, minimum: 1}}
        - {name: status, in: query, required: true, schema: {type: string, enum: [active, gone]}}
      responses:
        200:
          description: users
          content:
            application/json:
              schema: {type: array, items: {$ref: "#/components/schemas/User"}}
    post:
      responses: {201: {description: made}}
  /users/{user_id}/posts:
    get:
      responses:
        200:
          description: posts
          content:
            application/json:
              schema:
                type: object
                properties:
                  items:
                    type: array
                    items:
                      type: object
                      required: [post_id]
                      properties:
                        post_id: {type: string}
                        title: {type: [string, "null"]}
  /admin/users:
    get:
      parameters:
        - {name: q, in: query, required: true, schema: {type: string}}
      responses:
        200:
          description: users
          content:
            application/json:
              schema: {type: array, items: {$ref: "#/components/schemas/User"}}
  /archive/users:
    get:
      responses:
        200:
          description: users
          content:
            application/json:
              schema: {type: array, items: {$ref: "#/components/schemas/User"}}
  /teams/{team_id}/members:
    get:
      responses:
        200:
          description: members
          content:
            application/json:
              schema: {type: array, items: {$ref: "#/components/schemas/User"}}
  /status:
    get:
      responses:
        200:
          description: one object
          content:
            application/json:
              schema: {type: object, properties: {ok: {type: boolean}}}
"##;

#[test]
fn a_yaml_document_becomes_this_spec() {
    let i = import(SHOP, None, "shop.yaml").unwrap();
    assert_eq!(
        i.report.skipped,
        vec![
            "POST /users: not a GET",
            "GET /status: returns one object, not a list",
            "GET /admin/users: the required query parameter `q` has no default, example or \
             enum value to send",
            "GET /teams/{team_id}/members: path parameter `team_id` needs a parent list `GET \
             /teams`, which the document lacks",
        ]
    );
    assert_eq!(i.report.endpoints, 7);
    let expected = r#"# Written by `restsource init --openapi shop.yaml` from "The Shop API" (OpenAPI 3.1.0).
# 7 operations: 3 resources made, 4 skipped. Check the guesses marked below.
#
# Skipped or left out:
# - POST /users: not a GET
# - GET /status: returns one object, not a list
# - GET /admin/users: the required query parameter `q` has no default, example or enum value to send
# - GET /teams/{team_id}/members: path parameter `team_id` needs a parent list `GET /teams`, which the document lacks

name = "the_shop_api"

[client]
base_url = "https://eu.shop.example/api/v2"
# auth: scheme `token`, the document's global `security`; credentials are read from the environment
auth = { type = "bearer", token = { secret = "token" } }

[[resources]]
name = "users"
primary_key = "id"
write_disposition = "merge"
columns = { id = { data_type = "bigint", nullable = false }, email = { data_type = "text" } }

[resources.endpoint]
path = "/users"
data_selector = "$"
# page_number: the endpoint takes `page`; the response has no total, so paging stops at the first empty page (`total_path = false`)
paginator = { type = "page_number", base_page = 1, total_path = false }
params = { status = "active" }

# child of `users`: one request per `users` record, `{user_id}` from its `id`
[[resources]]
name = "posts"
primary_key = "post_id"
write_disposition = "merge"
columns = { post_id = { data_type = "text", nullable = false }, title = { data_type = "text" } }

[resources.endpoint]
path = "/users/{user_id}/posts"
data_selector = "items"
# auto: no paging parameter, next-page field or `Link` header in the document; the runtime detects the paginator from the first response
paginator = "auto"
params = { user_id = { type = "resolve", resource = "users", field = "id" } }

[[resources]]
name = "archive_users"
primary_key = "id"
write_disposition = "merge"
columns = { id = { data_type = "bigint", nullable = false }, email = { data_type = "text" } }

[resources.endpoint]
path = "/archive/users"
data_selector = "$"
# auto: no paging parameter, next-page field or `Link` header in the document; the runtime detects the paginator from the first response
paginator = "auto"
"#;
    assert_eq!(i.draft.to_toml(), expected);
}

#[test]
fn a_relative_server_gets_a_placeholder_host_and_a_note() {
    let doc = json!({ "openapi": "3.0.0", "info": { "title": "Pets", "version": "1" },
                      "servers": [{ "url": "/api/v3" }], "paths": {} });
    let i = import(&doc.to_string(), Some("pets"), "pets.json").unwrap();
    assert_eq!(
        i.draft.spec["client"]["base_url"],
        "https://api.example.invalid/api/v3"
    );
    assert_eq!(
        i.report.notes,
        vec![
            "base_url: the document's server is `/api/v3`, not an absolute URL; replace the \
              host of https://api.example.invalid/api/v3"
        ]
    );
    assert_eq!(i.draft.spec["name"], "pets");
}

#[test]
fn yaml_anchors_and_merge_keys_are_read() {
    let doc = r#"
openapi: 3.0.0
info: {title: Merged, version: "1"}
servers: [{url: "https://api.example.com"}]
x-base: &base
  id: {type: integer}
  name: {type: string}
paths:
  /things:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: array
                items:
                  type: object
                  required: [id]
                  properties:
                    <<: *base
                    size: {type: number}
"#;
    let i = import(doc, None, "merged.yaml").unwrap();
    assert_eq!(
        i.draft.spec["resources"][0]["columns"],
        json!({ "id": { "data_type": "bigint", "nullable": false },
                "name": { "data_type": "text" }, "size": { "data_type": "double" } })
    );
}
