//! The dlt Python reader: every literal form, where the config is found, what becomes a secret
//! reference or a dict, and the exact located errors for what cannot be converted.

use restsource_import::dlt_python::{lex, parse};
use restsource_import::import_dlt;
use serde_json::{json, Value};
use std::path::Path;

fn parse_expr(src: &str) -> parse::Expr {
    let toks = lex::tokenize(src);
    parse::Parser::at(&toks, 0).expr()
}

/// The converted spec as JSON (kept nulls included), or every rendered error.
fn convert(src: &str) -> Result<Value, String> {
    match import_dlt(src, Path::new("config.py"), Some("t")) {
        Ok(i) => Ok(serde_json::from_str(&i.to_json()).unwrap()),
        Err(e) => Err(e
            .diagnostics
            .iter()
            .map(|d| d.render())
            .collect::<Vec<_>>()
            .join("\n")),
    }
}

fn errors(src: &str) -> Vec<String> {
    let e = import_dlt(src, Path::new("config.py"), None).unwrap_err();
    e.diagnostics
        .iter()
        .map(|d| format!("{}:{} {} | {}", d.line, d.column, d.path, d.message))
        .collect()
}

fn wrap(client: &str, resources: &str) -> String {
    format!("rest_api_source({{\"client\": {client}, \"resources\": {resources}}})\n")
}

#[test]
fn every_literal_form_reads_as_its_json_value() {
    let src = r#"{
    'single': 'a', "double": "b\"c", 'triple': '''x
y''', "raw": r"\d+\.", "joined": "a" 'b'
        "c",  # implicit concatenation across lines
    "escapes": "\t\x41\u00e9\101\\",
    "int": 42, "neg": -7, "hex": 0xff, "under": 1_000, "float": 2.5, "exp": -1e3,
    "yes": True, "no": False, "nothing": None,
    "list": [1, "two", [3.0],], "tuple": (1, 2), "one": ("only",), "paren": ("grouped"),
    "empty": {}, "empty_list": [], "empty_tuple": (),
}"#;
    let e = parse_expr(src);
    let toks = lex::tokenize(src);
    assert_eq!(toks.last().map(|t| &t.kind), Some(&lex::TokKind::Eof));
    let parse::ExprKind::Dict(items) = &e.kind else {
        panic!("{e:?}")
    };
    let mut got = serde_json::Map::new();
    for item in items {
        let parse::DictItem::Pair(k, v) = item else {
            panic!("{item:?}")
        };
        let parse::ExprKind::Str(k) = &k.kind else {
            panic!("{k:?}")
        };
        got.insert(k.clone(), literal(v));
    }
    assert_eq!(
        Value::Object(got),
        json!({
            "single": "a", "double": "b\"c", "triple": "x\ny", "raw": "\\d+\\.", "joined": "abc",
            "escapes": "\tAéA\\",
            "int": 42, "neg": -7, "hex": 255, "under": 1000, "float": 2.5, "exp": -1000.0,
            "yes": true, "no": false, "nothing": "<None>",
            "list": [1, "two", [3.0]], "tuple": ["<tuple>", 1, 2], "one": ["<tuple>", "only"],
            "paren": "grouped", "empty": {}, "empty_list": [], "empty_tuple": ["<tuple>"],
        })
    );
}

/// The parsed literal as JSON; `None` and tuples are marked so the test sees them.
fn literal(e: &parse::Expr) -> Value {
    use parse::ExprKind::*;
    match &e.kind {
        Str(s) => json!(s),
        Int(n) => json!(n),
        Float(f) => json!(f),
        Bool(b) => json!(b),
        None => json!("<None>"),
        List(items) => Value::Array(items.iter().map(literal).collect()),
        Tuple(items) => {
            let mut v = vec![json!("<tuple>")];
            v.extend(items.iter().map(literal));
            Value::Array(v)
        }
        Dict(items) if items.is_empty() => json!({}),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_lambda_is_a_located_error_with_what_to_write() {
    let src = "import dlt\n\nsource = rest_api_source({\n    \"client\": {\"base_url\": \"https://api.example.com\"},\n    \"resources\": [{\"name\": \"users\", \"processing_steps\": [\n        {\"filter\": lambda r: r[\"id\"] > 1},\n    ]}],\n})\n";
    let expected = r#"error: a lambda cannot be converted
 --> config.py:6:20
  |
6 |         {"filter": lambda r: r["id"] > 1},
  |                    ^^^^^^
  = note: at `resources[0].processing_steps[0].filter`
  = help: a spec's processing steps are declarative: `filter = { field = "…", op = "==", value = … }`, `map`, `add_fields`, … (README, "processing_steps")
"#;
    assert_eq!(convert(src).unwrap_err(), expected);
}

#[test]
fn every_problem_is_reported_in_file_order_not_only_the_first() {
    let src = r#"BASE = "https://api.example.com"
config = {
    "client": {"base_url": BASE, "session": requests.Session()},
    "resources": [
        {"name": f"users_{x}", "endpoint": {"params": {**defaults, "q": "a" + "b"}}},
        [r for r in names],
        {"name": "s", "endpoint": {"json": {"tags": {"a", "b"}}, "data": b"raw"}},
        {"name": "t", "endpoint": {"headers": {"k": dlt.secrets["k"].strip()}}},
        {"name": "u", "primary_key": "id" if strict else None, 1: 2},
    ],
}
"#;
    assert_eq!(
        errors(src),
        vec![
            "3:28 client.base_url | the variable `BASE` cannot be converted: its value is known only when Python runs",
            "3:45 client.session | the call `requests.Session(…)` cannot be converted: it runs Python code",
            "5:18 resources[0].name | an f-string cannot be converted",
            "5:56 resources[0].endpoint.params | a `**` spread cannot be converted",
            "5:77 resources[0].endpoint.params.q | an expression with the operator `+` cannot be converted",
            "6:12 resources[1] | a list comprehension cannot be converted",
            "7:53 resources[2].endpoint.json.tags | a set (or a dict member without `:`) cannot be converted",
            "7:74 resources[2].endpoint.data | a bytes literal cannot be converted",
            "8:69 resources[3].endpoint.headers.k | a method call or subscript on a computed value cannot be converted",
            "9:43 resources[4].primary_key | a conditional expression (`… if … else …`) cannot be converted",
            "9:64 resources[4] | a dict key that is not a string cannot be converted",
        ]
    );
}

#[test]
fn secrets_config_and_environment_become_secret_references_where_credentials_go() {
    let src = r#"
import os
def source(access_token: Optional[str] = dlt.secrets.value):
    return rest_api_source({
        "client": {
            "base_url": "https://api.example.com",
            "auth": {"type": "bearer", "token": access_token},
            "headers": {"X-Org": dlt.config["org"], "X-Key": os.getenv("MY_KEY", "dev")},
        },
        "resources": [{"name": "r", "endpoint": {"params": {
            "api_key": dlt.secrets.get("api_key"), "sig": os.environ["sig_value"],
        }}}],
    })
"#;
    let i = import_dlt(src, Path::new("config.py"), Some("t")).unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&i.to_json()).unwrap(),
        json!({
            "name": "t",
            "client": {
                "base_url": "https://api.example.com",
                "auth": {"type": "bearer", "token": {"secret": "access_token"}},
                "headers": {"X-Org": {"secret": "org"}, "X-Key": {"secret": "my_key"}},
            },
            "resources": [{"name": "r", "endpoint": {"params": {
                "api_key": {"secret": "api_key"}, "sig": {"secret": "sig_value", "env": "sig_value"},
            }}}],
        })
    );
    let uses: Vec<String> = i
        .secrets
        .iter()
        .map(|s| format!("{} {} {} {}", s.place, s.python, s.secret, s.env))
        .collect();
    assert_eq!(
        uses,
        vec![
            "client.auth.token `access_token` (= dlt.secrets.value) access_token ACCESS_TOKEN",
            "client.headers.X-Org dlt.config[\"org\"] org ORG",
            "client.headers.X-Key os.getenv(\"MY_KEY\") my_key MY_KEY",
            "resources[0].endpoint.params.api_key dlt.secrets.get(\"api_key\") api_key API_KEY",
            "resources[0].endpoint.params.sig os.environ[\"sig_value\"] sig_value sig_value",
        ]
    );
    let toml = i.to_toml();
    assert!(
        toml.contains("[client.headers]\n# from `dlt.config[\"org\"]`: a spec has no config references, so it is read like a secret, from the environment variable `ORG`\nX-Org = { secret = \"org\" }\n"),
        "{toml}"
    );
    assert_eq!(i.left_out.len(), 1);
    assert_eq!(i.left_out[0].place, "client.headers.X-Key");
}

#[test]
fn a_secret_outside_a_credential_is_a_located_error() {
    let src = wrap(
        r#"{"base_url": dlt.config["base_url"], "auth": {"token": dlt.secrets["t"]}}"#,
        r#"[{"name": "r", "endpoint": {"path": os.environ["P"]}}]"#,
    );
    assert_eq!(
        errors(&src),
        vec![
            "1:41 client.base_url | `dlt.config[\"base_url\"]` cannot be converted: a spec has no config references, and reads the environment only for credentials",
            "1:152 resources[0].endpoint.path | `os.environ[\"P\"]` cannot be converted here: a spec reads secrets only for credentials (auth settings, header and query parameter values)",
        ]
    );
}

#[test]
fn paginator_and_auth_classes_become_their_dict_form() {
    let src = wrap(
        r#"{"base_url": "https://x.test", "auth": BearerTokenAuth(token=dlt.secrets["t"]),
           "paginator": JSONLinkPaginator(next_url_path="links.next")}"#,
        r#"[{"name": "a", "endpoint": {"paginator": paginators.OffsetPaginator(100, total_path=None)}},
           {"name": "b", "endpoint": {"auth": HttpBasicAuth("u", dlt.secrets["pw"]),
                                      "paginator": HeaderLinkPaginator()}},
           {"name": "c", "endpoint": {"incremental": dlt.sources.incremental("updated_at", initial_value="2024-01-01")}}]"#,
    );
    assert_eq!(
        convert(&src).unwrap(),
        json!({
            "name": "t",
            "client": {
                "base_url": "https://x.test",
                "auth": {"type": "bearer", "token": {"secret": "t"}},
                "paginator": {"type": "json_link", "next_url_path": "links.next"},
            },
            "resources": [
                {"name": "a", "endpoint": {"paginator": {"type": "offset", "limit": 100, "total_path": null}}},
                {"name": "b", "endpoint": {
                    "auth": {"type": "http_basic", "username": "u", "password": {"secret": "pw"}},
                    "paginator": {"type": "header_link"},
                }},
                {"name": "c", "endpoint": {"incremental": {"cursor_path": "updated_at", "initial_value": "2024-01-01"}}},
            ],
        })
    );
}

#[test]
fn class_arguments_without_a_dict_form_are_errors() {
    let src = wrap(
        r#"{"base_url": "https://x.test", "auth": OAuthJWTAuth(client_id="c"),
           "paginator": JSONLinkPaginator(next_url_path="n", page_size=10)}"#,
        r#"[{"name": "a", "endpoint": {"paginator": PageNumberPaginator(1), "auth": APIKeyAuth(name="k", api_key="v", location="query", extra=1)}}]"#,
    );
    assert_eq!(
        errors(&src),
        vec![
            "1:67 client.auth | the call `OAuthJWTAuth(…)` cannot be converted: it runs Python code",
            "2:72 client.paginator | `page_size=` of `JSONLinkPaginator(…)` cannot be converted: the paginator dict form has no `page_size`",
            "2:152 resources[0].endpoint.paginator | a positional argument of `PageNumberPaginator(…)` cannot be converted: its position names no setting the converter knows",
            "2:222 resources[0].endpoint.auth | `extra=` of `APIKeyAuth(…)` cannot be converted: the auth dict form has no `extra`",
        ]
    );
}

#[test]
fn none_is_left_out_with_a_comment_except_where_dlt_gives_it_a_meaning() {
    let src = wrap(
        r#"{"base_url": "https://x.test"}"#,
        r#"[{"name": "a", "endpoint": {"params": {"q": None}, "auth": None,
             "paginator": {"type": "offset", "limit": 10, "total_path": None}}}]"#,
    );
    let i = import_dlt(&src, Path::new("config.py"), Some("t")).unwrap();
    let v: Value = serde_json::from_str(&i.to_json()).unwrap();
    assert_eq!(
        v["resources"][0]["endpoint"],
        json!({"params": {}, "auth": null, "paginator": {"type": "offset", "limit": 10, "total_path": null}})
    );
    let left: Vec<&str> = i.left_out.iter().map(|l| l.place.as_str()).collect();
    assert_eq!(left, ["resources[0].endpoint.params.q"]);
    let toml = i.to_toml();
    let back: toml::Value = toml::from_str(&toml).unwrap();
    assert_eq!(
        serde_json::to_value(&back["resources"][0]["endpoint"]).unwrap(),
        json!({"params": {}, "auth": false, "paginator": {"type": "offset", "limit": 10, "total_path": false}})
    );
    assert!(
        toml.contains(
            "# `resources[0].endpoint.params.q`: `None` (line 1) means not set: left out\n"
        ),
        "{toml}"
    );
    assert!(toml.contains("# `resources[0].endpoint.paginator.total_path`: `None` (line 2) means no total in dlt: `false` here, as TOML has no null (`null` in JSON)\n"), "{toml}");
    // And a spec reads `false` as dlt reads `None`.
    restsource_spec::load_str(&toml, "t.toml", restsource_spec::Format::Toml)
        .unwrap_or_else(|d| panic!("{d}\n{toml}"));
}

#[test]
fn the_config_is_found_by_call_variable_annotation_or_name() {
    let by_var = "config = {'client': {'base_url': 'https://a.test'}, 'resources': ['a']}\nconfig = {'client': {'base_url': 'https://b.test'}, 'resources': ['b']}\nsrc = rest_api_source(config, name='named')\nconfig = {'resources': ['late']}\n";
    let i = import_dlt(by_var, Path::new("x.py"), None).unwrap();
    assert_eq!(
        i.found,
        "`config`, assigned at line 2 and passed to `rest_api_source` at line 3"
    );
    assert_eq!(i.draft.spec["name"], "named");
    assert_eq!(i.resources, vec!["b"]);

    let annotated = "from dlt.sources.rest_api import RESTAPIConfig\nother_config = {'resources': ['no']}\n\ndef s():\n    cfg: RESTAPIConfig = {\n        'client': {'base_url': 'https://a.test'},\n        'resources': ['yes'],\n    }\n    yield from rest_api_resources(cfg)\n";
    let i = import_dlt(annotated, Path::new("My API.py"), None).unwrap();
    assert_eq!(
        i.found,
        "`cfg`, assigned at line 5 and passed to `rest_api_resources` at line 9"
    );
    assert_eq!(i.draft.spec["name"], "my_api");

    let no_call = "other_config = {'client': {'base_url': 'https://a.test'}, 'resources': ['n']}\ncfg: rest_api.RESTAPIConfig = {'client': {'base_url': 'https://a.test'}, 'resources': ['t']}\n";
    let i = import_dlt(no_call, Path::new("x.py"), None).unwrap();
    assert_eq!(i.found, "the dict assigned to `cfg` at line 2");
    let i = import_dlt(
        &no_call.replace("cfg: rest_api.RESTAPIConfig", "cfg"),
        Path::new("x.py"),
        None,
    )
    .unwrap();
    assert_eq!(i.found, "the dict assigned to `other_config` at line 1");

    assert_eq!(
        errors("import dlt\nprint('no config')\n"),
        vec!["1:1  | no dlt config in this file: no `rest_api_source(…)` or `rest_api_resources(…)` call, and no dict assigned to a name annotated `RESTAPIConfig` or named `config`"]
    );
    assert_eq!(
        errors("source = rest_api_source(make_config())\n"),
        vec!["1:26  | the call `make_config(…)` cannot be converted: it runs Python code"]
    );
    assert_eq!(
        errors("source = rest_api_source(cfg)\ncfg = {}\n"),
        vec!["1:26  | `cfg` is passed to `rest_api_source` but no assignment to it comes before the call in this file"]
    );
}

#[test]
fn tokens_outside_the_config_never_matter() {
    let src = "x = $weird ? 1j\nconfig = {'client': {'base_url': 'https://a.test'}, 'resources': ['a']}\ny = 'unclosed\n";
    assert_eq!(convert(src).unwrap()["resources"], json!(["a"]));
}

#[test]
fn a_literal_auth_credential_is_never_copied_into_the_spec() {
    let src = wrap(
        r#"{"base_url": "https://x.test", "auth": {"type": "http_basic", "username": "me", "password": "hunter2"}}"#,
        r#"["a"]"#,
    );
    let i = import_dlt(&src, Path::new("config.py"), Some("t")).unwrap();
    assert_eq!(
        i.draft.spec["client"]["auth"],
        json!({"type": "http_basic", "username": "me", "password": {"secret": "password"}})
    );
    let toml = i.to_toml();
    assert!(
        !toml.contains("hunter2") && !i.to_json().contains("hunter2"),
        "{toml}"
    );
    assert!(toml.contains("# `client.auth.password`: the literal credential (line 1) is not copied into the spec: it is read from the environment variable `PASSWORD` at run time; set it there\n"), "{toml}");
    assert_eq!(i.secrets[0].python, "a literal (not copied)");
}

#[test]
fn a_pipeline_in_the_usual_dlt_style_converts_to_a_valid_spec() {
    let py = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tracker.py");
    let src = std::fs::read_to_string(&py).unwrap();
    let i = import_dlt(&src, &py, None).unwrap();
    assert_eq!(
        i.found,
        "`config`, assigned at line 13 and passed to `rest_api_resources` at line 66"
    );
    assert_eq!(
        serde_json::from_str::<Value>(&i.to_json()).unwrap(),
        json!({
            "name": "issue_tracker",
            "client": {
                "base_url": "https://tracker.example.com/api/v2/",
                "auth": {"type": "bearer", "token": {"secret": "access_token"}},
                "paginator": {"type": "header_link"},
            },
            "resource_defaults": {
                "primary_key": "id",
                "write_disposition": "merge",
                "endpoint": {"params": {"per_page": 100}},
            },
            "resources": [
                {"name": "projects", "endpoint": {
                    "path": "projects",
                    "paginator": {"type": "offset", "limit": 50, "total_path": null},
                }},
                {"name": "issues", "endpoint": {
                    "path": "projects/{project_id}/issues",
                    "params": {
                        "project_id": {"type": "resolve", "resource": "projects", "field": "id"},
                        "state": "all",
                    },
                    "incremental": {
                        "cursor_path": "updated_at",
                        "start_param": "since",
                        "initial_value": "2024-01-01T00:00:00Z",
                    },
                }, "include_from_parent": ["name"]},
                {"name": "users", "table_name": "tracker_users", "write_disposition": "replace",
                 "endpoint": {
                    "path": "users",
                    "data_selector": "data.items",
                    "headers": {"X-Api-Version": "2024-06-01"},
                }},
            ],
        })
    );
    // Both printings validate as `restsource validate` reads them, without a warning.
    for (text, format, file) in [
        (i.to_json(), restsource_spec::Format::Json, "tracker.json"),
        (i.to_toml(), restsource_spec::Format::Toml, "tracker.toml"),
    ] {
        let loaded = restsource_spec::load_str(&text, file, format).unwrap_or_else(|d| {
            let all: Vec<String> = d.0.iter().map(|d| d.render()).collect();
            panic!("{}\n{text}", all.join("\n"))
        });
        assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    }
}

#[test]
fn a_broken_file_gives_errors_never_a_panic_or_a_hang() {
    let py = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tracker.py");
    let src = std::fs::read_to_string(&py).unwrap();
    let bounds: Vec<usize> = src.char_indices().map(|(i, _)| i).collect();
    let mut failed = 0;
    // Every third place keeps the test to a few seconds in a debug build.
    for &i in bounds.iter().step_by(3) {
        let next = src[i..].chars().next().map_or(i, |c| i + c.len_utf8());
        let variants = [
            src[..i].to_owned(),
            format!("{}{}", &src[..i], &src[next..]),
            format!("{}({}", &src[..i], &src[i..]),
            format!("{}\"{}", &src[..i], &src[i..]),
        ];
        for v in variants {
            if let Err(e) = import_dlt(&v, &py, None) {
                assert!(!e.diagnostics.is_empty());
                failed += 1;
            }
        }
    }
    assert!(
        failed > bounds.len() / 3,
        "most variants are broken: {failed}"
    );
}

#[test]
fn a_python_resource_in_the_list_says_how_to_write_it_as_a_dict() {
    let e = import_dlt(
        &wrap(
            r#"{"base_url": "https://x.test"}"#,
            "[\"a\", my_resource, other()]",
        ),
        Path::new("config.py"),
        None,
    )
    .unwrap_err();
    let got: Vec<(String, Option<String>)> = e
        .diagnostics
        .iter()
        .map(|d| {
            (
                format!("{}:{} {}", d.line, d.column, d.message),
                d.help.clone(),
            )
        })
        .collect();
    let help = Some("a resource in a spec is a name or a dict (`{ name = \"…\", endpoint = { path = \"…\" } }`); a `@dlt.resource` of your own is Python code: write the endpoint it reads as such a dict".to_owned());
    assert_eq!(
        got,
        vec![
            ("1:79 the variable `my_resource` cannot be converted: its value is known only when Python runs".to_owned(), help.clone()),
            ("1:92 the call `other(…)` cannot be converted: it runs Python code".to_owned(), help),
        ]
    );
}
