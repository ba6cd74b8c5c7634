//! Redaction of secrets in URLs and text (errors, logs).

use std::fmt;
use std::sync::{Arc, RwLock};

use url::Url;

use crate::secret::SecretValues;

/// Query keys whose values are always redacted (dlt's list).
const SECRET_KEYS: &[&str] = &[
    "api_key",
    "token",
    "key",
    "access_token",
    "apikey",
    "api-key",
    "access-token",
    "secret",
    "password",
    "pwd",
    "client_secret",
];

/// Replaces secret values with `***`. Shared by clones; tokens fetched at run time are added.
#[derive(Clone, Default)]
pub struct Redactor {
    values: Arc<RwLock<Vec<String>>>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Redactor(***)")
    }
}

impl Redactor {
    /// A redactor for every secret of a source.
    pub fn new(secrets: &SecretValues) -> Self {
        let r = Redactor::default();
        for s in secrets.values() {
            r.add(s.expose());
        }
        r
    }

    /// Adds a value to hide (also its URL-encoded form).
    pub fn add(&self, value: &str) {
        if value.is_empty() {
            return;
        }
        let encoded: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
        if let Ok(mut v) = self.values.write() {
            for s in [value.to_string(), encoded] {
                if !v.contains(&s) {
                    v.push(s);
                }
            }
            // Longest first, so a secret containing another is hidden whole.
            v.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    /// `text` with every secret value replaced by `***`.
    pub fn text(&self, text: &str) -> String {
        let mut out = text.to_string();
        if let Ok(values) = self.values.read() {
            for v in values.iter() {
                if out.contains(v.as_str()) {
                    out = out.replace(v.as_str(), "***");
                }
            }
        }
        out
    }

    /// The URL with secret-like query values and every secret value replaced by `***`. The
    /// values of secret-like keys are added to the values hidden from then on.
    pub fn url(&self, url: &Url) -> String {
        let mut url = url.clone();
        if url.query().is_some() {
            let pairs: Vec<(String, String)> = url
                .query_pairs()
                .map(|(k, v)| {
                    let hide = SECRET_KEYS.contains(&k.to_ascii_lowercase().as_str());
                    if hide {
                        // Remember it, so an echo of the value in a body is hidden too.
                        self.add(&v);
                    }
                    (
                        k.into_owned(),
                        if hide {
                            "***".to_string()
                        } else {
                            v.into_owned()
                        },
                    )
                })
                .collect();
            url.query_pairs_mut().clear().extend_pairs(pairs);
        }
        if url.password().is_some() {
            let _ = url.set_password(Some("***"));
        }
        self.text(url.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    #[test]
    fn redacts_keys_and_values() {
        let mut s = SecretValues::new();
        s.insert("k", Secret::new("s3cr3t value"));
        let r = Redactor::new(&s);
        let url =
            Url::parse("http://h.test/p?token=abc&x=s3cr3t%20value&y=1&q=s3cr3t+value").unwrap();
        assert_eq!(r.url(&url), "http://h.test/p?token=***&x=***&y=1&q=***");
        assert_eq!(r.text("got s3cr3t value back"), "got *** back");
    }
}
