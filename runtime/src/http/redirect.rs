//! Redirects to another origin: what the next hop may carry.
//!
//! Redirects are followed by hand (reqwest's own policy is off) so that auth is added per
//! hop, and only on the request's own origin. A hop on that origin carries everything. A hop
//! to another origin carries none of the source's credentials:
//! - headers marked sensitive, naming credentials (`Authorization`, `Cookie`,
//!   `Proxy-Authorization`, which reqwest drops on a cross-host redirect) or holding a secret
//!   are not sent;
//! - query pairs whose name or value holds a secret (in any form the redactor knows) are
//!   removed from the target: an API whose `Location` repeats `?api_key=…` does not hand the
//!   key to the other host, and the download it points at (a CDN, a presigned URL carrying its
//!   own signature) still works;
//! - a secret anywhere else in the target (path, user info, fragment) stops the request with
//!   [`super::HttpError::Redirect`]: it cannot be removed without changing what is fetched.

use reqwest::header::{HeaderName, HeaderValue, AUTHORIZATION, COOKIE, PROXY_AUTHORIZATION};
use url::Url;

use super::Redactor;

/// Whether a header of the request (static or endpoint) goes to another origin.
pub(super) fn forward_header(name: &HeaderName, value: &HeaderValue, redactor: &Redactor) -> bool {
    if value.is_sensitive() || [AUTHORIZATION, COOKIE, PROXY_AUTHORIZATION].contains(name) {
        return false;
    }
    // A value that is not text cannot hold a secret the redactor would recognise, but it is
    // not forwarded either: it cannot be checked.
    value.to_str().is_ok_and(|v| !redactor.contains_secret(v))
}

/// The URL a hop to another origin goes to: `next` without the query pairs that hold a
/// secret; an error (why) when a secret sits elsewhere in it.
pub(super) fn cross_origin_target(next: Url, redactor: &Redactor) -> Result<Url, String> {
    let mut url = next;
    if url.query().is_some() {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let kept: Vec<&(String, String)> = pairs
            .iter()
            .filter(|(k, v)| !redactor.contains_secret(k) && !redactor.contains_secret(v))
            .collect();
        let removed = pairs.len() - kept.len();
        if removed > 0 {
            if kept.is_empty() {
                url.set_query(None);
            } else {
                url.query_pairs_mut().clear().extend_pairs(kept);
            }
            tracing::debug!(
                removed,
                "credential query parameters removed from a redirect to another origin"
            );
        }
    }
    if redactor.contains_secret(url.as_str()) {
        return Err(
            "the target holds a credential outside its query string, so following it would send the credential to another origin"
                .to_string(),
        );
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_pairs_are_removed_and_a_secret_elsewhere_stops() {
        let r = Redactor::default();
        r.add("K3Y value");
        let next =
            Url::parse("http://other.test/x?api_key=K3Y+value&page=2&echo=K3Y%20value").unwrap();
        assert_eq!(
            cross_origin_target(next, &r).unwrap().as_str(),
            "http://other.test/x?page=2"
        );
        let next = Url::parse("http://other.test/x?api_key=K3Y+value").unwrap();
        assert_eq!(
            cross_origin_target(next, &r).unwrap().as_str(),
            "http://other.test/x"
        );
        let next = Url::parse("http://other.test/K3Y%20value/x?page=2").unwrap();
        assert!(cross_origin_target(next, &r).is_err());
        // Not our secret: a presigned URL keeps its own signature.
        let next = Url::parse("http://cdn.test/f?signature=abc&expires=1").unwrap();
        assert_eq!(
            cross_origin_target(next, &r).unwrap().as_str(),
            "http://cdn.test/f?signature=abc&expires=1"
        );
    }
}
