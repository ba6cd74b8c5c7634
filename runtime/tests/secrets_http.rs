//! Secrets stay home: error excerpts are redacted before they are cut and in every encoded
//! form, and a redirect to another origin carries none of the source's credentials.

mod common_extract;

use common_extract::*;
use restsource_runtime::def::*;
use restsource_runtime::extract::Extractor;
use restsource_runtime::secret::{Secret, SecretValues};
use serde_json::json;

record_type!(Item, &RESOURCE);

fn extractor(src: &'static SourceDef, base: &str, secrets: SecretValues) -> Extractor {
    Extractor::new(src, secrets)
        .with_base_url(base)
        .with_options(options())
}

static QUERY_KEY: SourceDef = SourceDef {
    auth: Some(AuthDef::ApiKey {
        name: "api_key",
        key: CredDef { secret: "key" },
        location: ApiKeyLocation::Query,
    }),
    ..SOURCE
};

fn key(value: &str) -> SecretValues {
    let mut s = SecretValues::new();
    s.insert("key", Secret::new(value));
    s
}

#[tokio::test]
async fn a_key_across_the_excerpt_cut_is_redacted_whole() {
    let body = format!("{}KEY-0123456789{}", "x".repeat(190), "y".repeat(40));
    let (base, _) = serve(move |_, _| status(400, &body)).await;
    let err = collect::<Item>(&extractor(&QUERY_KEY, &base, key("KEY-0123456789")))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "resource `items`: GET {base}/items returned status 400: {}***{}",
            "x".repeat(190),
            "y".repeat(7)
        )
    );
}

#[tokio::test]
async fn url_encoded_and_basic_forms_of_secrets_are_redacted() {
    static BASIC: SourceDef = SourceDef {
        auth: Some(AuthDef::HttpBasic {
            username: CredDef { secret: "user" },
            password: CredDef { secret: "pass" },
        }),
        ..SOURCE
    };
    // The API echoes the Authorization header and the password as a form would encode it.
    let (base, _) = serve(|s, _| {
        let auth = s.headers.get("authorization").unwrap().to_str().unwrap();
        status(
            400,
            &format!("auth={auth} form=p%40ss+w0rd pct=p%40ss%20w0rd lower=p%40ss%20w0rd"),
        )
    })
    .await;
    let mut secrets = SecretValues::new();
    secrets.insert("user", Secret::new("alice"));
    secrets.insert("pass", Secret::new("p@ss w0rd"));
    let err = collect::<Item>(&extractor(&BASIC, &base, secrets))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "resource `items`: GET {base}/items returned status 400: auth=Basic *** form=*** pct=*** lower=***"
        )
    );
}

#[tokio::test]
async fn a_query_credential_is_not_carried_to_another_origin() {
    let (other, other_log) = serve(|_, _| json(json!({"data": [{"id": 2}]}))).await;
    // Same IP, other port: another origin. The Location repeats the key.
    let target = format!("{other}/landing?api_key=KEY-q1&page=2&echo=KEY-q1");
    let (base, log) = serve(move |s, _| {
        if s.uri.starts_with("/items") {
            Reply {
                status: 302,
                headers: vec![("location", "/moved?page=1".into())],
                body: String::new(),
            }
        } else {
            Reply {
                status: 302,
                headers: vec![("location", target.clone())],
                body: String::new(),
            }
        }
    })
    .await;
    let recs = collect::<Item>(&extractor(&QUERY_KEY, &base, key("KEY-q1")))
        .await
        .unwrap();
    assert_eq!(ids(&recs), vec![2]);
    // Same origin: the key goes along, as before.
    assert_eq!(
        uris(&log),
        vec!["/items?api_key=KEY-q1", "/moved?page=1&api_key=KEY-q1"]
    );
    assert_eq!(uris(&other_log), vec!["/landing?page=2"]);
}

#[tokio::test]
async fn a_redirect_with_a_secret_in_its_path_to_another_origin_stops() {
    let (other, other_log) = serve(|_, _| json(json!({"data": [{"id": 2}]}))).await;
    let target = format!("{other}/KEY-p2/data");
    let (base, _) = serve(move |_, _| Reply {
        status: 302,
        headers: vec![("location", target.clone())],
        body: String::new(),
    })
    .await;
    let err = collect::<Item>(&extractor(&QUERY_KEY, &base, key("KEY-p2")))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("resource `items`: GET {base}/items?api_key=*** redirected to {other}/***/data on another origin, not followed: the target holds a credential outside its query string, so following it would send the credential to another origin")
    );
    assert!(uris(&other_log).is_empty());
}

#[tokio::test]
async fn credential_headers_are_not_carried_to_another_origin() {
    static HEADERS: SourceDef = SourceDef {
        headers: &[("Authorization", "Token static-literal"), ("X-Trace", "t1")],
        resources: &[&RESOURCE],
        ..SOURCE
    };
    let (other, other_log) = serve(|_, _| json(json!({"data": [{"id": 2}]}))).await;
    let target = format!("{other}/landing");
    let (base, log) = serve(move |_, _| Reply {
        status: 302,
        headers: vec![("location", target.clone())],
        body: String::new(),
    })
    .await;
    collect::<Item>(&extractor(&HEADERS, &base, SecretValues::new()))
        .await
        .unwrap();
    let first = log.lock().unwrap()[0].headers.clone();
    assert_eq!(first["authorization"], "Token static-literal");
    let second = other_log.lock().unwrap()[0].headers.clone();
    assert!(second.get("authorization").is_none());
    assert_eq!(second["x-trace"], "t1");
}

#[tokio::test]
async fn secret_params_and_headers_are_filled_at_run_time_and_stay_on_their_origin() {
    const SECRETIVE: ResourceDef = ResourceDef {
        endpoint: EndpointDef {
            params: &[
                (
                    "api_key",
                    Lit::Str::<Static>(Template(&[TemplatePart::Secret("api_key")])),
                ),
                ("page", Lit::Int(1)),
            ],
            headers: &[("X-Api-Key", Template(&[TemplatePart::Secret("x_api_key")]))],
            ..ENDPOINT
        },
        ..RESOURCE
    };
    record_type!(Sec, &SECRETIVE);
    let (other, other_log) = serve(|_, _| json(json!({"data": [{"id": 3}]}))).await;
    let target = format!("{other}/landing");
    let (base, log) = serve(move |_, _| Reply {
        status: 302,
        headers: vec![("location", target.clone())],
        body: String::new(),
    })
    .await;
    let mut secrets = SecretValues::new();
    secrets.insert("api_key", Secret::new("P-1"));
    secrets.insert("x_api_key", Secret::new("H-2"));
    let recs = collect::<Sec>(&extractor(&PLAIN, &base, secrets))
        .await
        .unwrap();
    assert_eq!(ids(&recs), vec![3]);
    assert_eq!(uris(&log), vec!["/items?api_key=P-1&page=1"]);
    assert_eq!(log.lock().unwrap()[0].headers["x-api-key"], "H-2");
    assert_eq!(uris(&other_log), vec!["/landing"]);
    assert!(other_log.lock().unwrap()[0]
        .headers
        .get("x-api-key")
        .is_none());
}

static PLAIN: SourceDef = SOURCE;
