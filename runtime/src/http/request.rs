//! What is sent and what comes back: method, body, request, response, outcome.

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};
use url::Url;

/// HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpMethod {
    /// GET.
    Get,
    /// POST.
    Post,
}

impl HttpMethod {
    /// The method as sent.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
        }
    }
}

/// A request body.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// None.
    Empty,
    /// JSON.
    Json(serde_json::Value),
    /// Form-encoded text.
    Form(String),
    /// Text sent as is, with no content type (dlt's `data` given as a string).
    Raw(String),
}

/// One request to send.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    /// Method.
    pub method: HttpMethod,
    /// URL including its query.
    pub url: Url,
    /// Endpoint headers (on top of the source's static headers).
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// Body.
    pub body: Body,
}

/// A received response.
#[derive(Debug)]
pub struct Response {
    /// Status.
    pub status: u16,
    /// Headers.
    pub headers: HeaderMap,
    /// Body: all of it, or only its first bytes when `rest` holds the others.
    pub body: Bytes,
    /// URL that answered (after redirects).
    pub url: Url,
    /// The unread rest of a body that opens a top-level JSON array, when the request was
    /// sent with [`HttpClient::send_streaming`](super::HttpClient::send_streaming).
    pub rest: Option<super::BodyRest>,
}

impl Response {
    /// The content type, if any.
    pub fn content_type(&self) -> Option<&str> {
        self.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok())
    }
}

/// The result of a request.
#[derive(Debug)]
pub enum Outcome {
    /// A successful response.
    Response(Box<Response>),
    /// A `response_actions` ignore rule matched: no records, stop paginating.
    Ignored,
}

/// Joins a path onto a base URL as dlt does: the base gets a trailing `/`, the path loses its
/// leading `/`; an absolute `http(s)://` path is used as is.
pub fn join_url(base: &Url, path: &str) -> Result<Url, url::ParseError> {
    if path.starts_with("http://") || path.starts_with("https://") {
        return Url::parse(path);
    }
    let mut base = base.clone();
    if !base.path().ends_with('/') {
        let p = format!("{}/", base.path());
        base.set_path(&p);
    }
    base.join(path.trim_start_matches('/'))
}
