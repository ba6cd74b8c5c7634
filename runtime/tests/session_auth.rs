//! A session login whose token goes in a header of the spec's choosing: the exact login
//! request (a JSON POST of the credentials), the header the API sees, and no token or
//! credential in the error of a login whose answer has no token.

mod common_extract;

use common_extract::*;
use restsource_runtime::def::*;
use restsource_runtime::extract::Extractor;
use restsource_runtime::secret::{Secret, SecretValues};
use serde_json::json;

record_type!(Item, &RESOURCE);

const fn session(token_path: &'static str) -> SourceDef {
    SourceDef {
        auth: Some(AuthDef::Session {
            login_url: "/login",
            username: CredDef { secret: "user" },
            password: CredDef { secret: "password" },
            token_path,
            header: Some("X-Session"),
        }),
        ..SOURCE
    }
}

fn extractor(src: &'static SourceDef, base: &str) -> Extractor {
    let mut s = SecretValues::new();
    s.insert("user", Secret::new("ann"));
    s.insert("password", Secret::new("pa55-word"));
    Extractor::new(src, s)
        .with_base_url(base)
        .with_options(options())
}

async fn server() -> (String, std::sync::Arc<std::sync::Mutex<Vec<Seen>>>) {
    serve(|s, _| {
        if s.uri == "/login" {
            return json(json!({"data": {"token": "S-1"}}));
        }
        let header = s.headers.get("x-session").and_then(|v| v.to_str().ok());
        match (header, s.headers.get("authorization")) {
            (Some("S-1"), None) => json(json!({"data": [{"id": 7}]})),
            _ => status(401, "no session"),
        }
    })
    .await
}

#[tokio::test]
async fn the_session_token_goes_in_the_named_header() {
    static SRC: SourceDef = session("data.token");
    let (base, log) = server().await;
    let recs = collect::<Item>(&extractor(&SRC, &base)).await.unwrap();
    assert_eq!(ids(&recs), vec![7]);
    let seen = log.lock().unwrap().clone();
    let requests: Vec<(&str, &str, &str)> = seen
        .iter()
        .map(|s| (s.method.as_str(), s.uri.as_str(), s.body.as_str()))
        .collect();
    assert_eq!(
        requests,
        [
            (
                "POST",
                "/login",
                r#"{"username":"ann","password":"pa55-word"}"#
            ),
            ("GET", "/items", "")
        ]
    );
    assert_eq!(
        seen[0].headers.get("content-type").unwrap(),
        "application/json"
    );
}

#[tokio::test]
async fn a_login_answer_without_the_token_names_the_path_not_the_secrets() {
    static SRC: SourceDef = session("session.token");
    let (base, _) = server().await;
    let err = collect::<Item>(&extractor(&SRC, &base))
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        format!("resource `items`: session login at {base}/login failed: the answer has no text at `session_token_path` `session.token`")
    );
}
