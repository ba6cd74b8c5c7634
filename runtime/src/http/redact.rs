//! Redaction of secrets in URLs and text (errors, logs).
//!
//! Every secret is hidden in the forms it can travel in: as is, URL-encoded (`+` or `%20` for a
//! space, either hex case), base64 (as HTTP Basic sends `user:password`, whole or as the run of
//! characters a secret produces inside a longer base64 text), so an API that echoes a request
//! back in an error body cannot make an error message print it. Excerpts are redacted before
//! they are cut: cutting first would print the start of a secret that straddles the cut.

use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, RwLock};

use base64::Engine;
use url::Url;

use crate::secret::SecretValues;

/// Longest excerpt (in characters) of a body or value put into an error message.
pub const EXCERPT_CHARS: usize = 200;

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

/// A base64 run shorter than this is not hidden on its own: a few characters of base64 occur
/// in ordinary text by chance.
const MIN_BASE64_RUN: usize = 8;

/// Replaces secret values with `***`. Shared by clones; tokens fetched at run time are added.
#[derive(Clone, Default)]
pub struct Redactor {
    inner: Arc<RwLock<Forms>>,
}

/// The values added and every form they are hidden in.
struct Forms {
    /// Values (and Basic pairs) already added, so adding again is cheap.
    added: HashSet<String>,
    /// Forms to hide, longest first so a secret containing another is hidden whole.
    forms: Vec<String>,
    /// Which bytes a form can start with (a fast skip while scanning).
    first: [bool; 256],
}

impl Default for Forms {
    fn default() -> Self {
        Forms {
            added: HashSet::new(),
            forms: Vec::new(),
            first: [false; 256],
        }
    }
}

impl Forms {
    fn push(&mut self, form: String) {
        if form.is_empty() || self.forms.contains(&form) {
            return;
        }
        self.first[form.as_bytes()[0] as usize] = true;
        self.forms.push(form);
    }

    fn sort(&mut self) {
        self.forms.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Redactor(***)")
    }
}

/// `value` percent-encoded, every byte but RFC 3986's unreserved ones.
fn percent_encoded(value: &str, lower: bool) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else if lower {
            out.push_str(&format!("%{b:02x}"));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The base64 characters `bytes` produce wherever they sit in a longer base64 text: for each
/// of the three alignments, the whole groups of three bytes.
fn base64_runs(bytes: &[u8]) -> Vec<String> {
    let engines = [
        base64::engine::general_purpose::STANDARD_NO_PAD,
        base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ];
    let mut out = Vec::new();
    for offset in 0..3.min(bytes.len()) {
        let whole = (bytes.len() - offset) / 3 * 3;
        if whole * 4 / 3 < MIN_BASE64_RUN {
            continue;
        }
        for e in &engines {
            out.push(e.encode(&bytes[offset..offset + whole]));
        }
    }
    out
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

    /// Adds a value to hide, with its URL-encoded and base64 forms.
    pub fn add(&self, value: &str) {
        if value.is_empty() {
            return;
        }
        let Ok(mut f) = self.inner.write() else {
            return;
        };
        if !f.added.insert(value.to_string()) {
            return;
        }
        f.push(value.to_string());
        f.push(url::form_urlencoded::byte_serialize(value.as_bytes()).collect());
        f.push(percent_encoded(value, false));
        f.push(percent_encoded(value, true));
        f.push(base64::engine::general_purpose::STANDARD.encode(value));
        for run in base64_runs(value.as_bytes()) {
            f.push(run);
        }
        f.sort();
    }

    /// Adds the HTTP Basic credentials `user:password` as Basic sends them (base64), on top of
    /// each value on its own.
    pub fn add_basic(&self, user: &str, password: &str) {
        self.add(user);
        self.add(password);
        let pair = format!("{user}:{password}");
        let Ok(mut f) = self.inner.write() else {
            return;
        };
        if !f.added.insert(format!("\u{0}basic\u{0}{pair}")) {
            return;
        }
        f.push(base64::engine::general_purpose::STANDARD.encode(&pair));
        f.push(base64::engine::general_purpose::STANDARD_NO_PAD.encode(&pair));
        f.sort();
    }

    /// Redacts `text` left to right, stopping once the output has `limit` characters.
    fn scan(&self, text: &str, limit: usize) -> String {
        let Ok(f) = self.inner.read() else {
            // A poisoned lock must not turn into a leak: show nothing.
            return "***".to_string();
        };
        let mut out = String::with_capacity(text.len().min(limit.saturating_mul(4)));
        let mut count = 0;
        let mut i = 0;
        let bytes = text.as_bytes();
        while i < text.len() && count < limit {
            if f.first[bytes[i] as usize] {
                if let Some(form) = f.forms.iter().find(|s| text[i..].starts_with(s.as_str())) {
                    out.push_str("***");
                    count += 3;
                    i += form.len();
                    continue;
                }
            }
            let Some(c) = text[i..].chars().next() else {
                break;
            };
            out.push(c);
            count += 1;
            i += c.len_utf8();
        }
        if count > limit {
            // A `***` at the very end overshoots; it is still cut whole-secret-first.
            out = out.chars().take(limit).collect();
        }
        out
    }

    /// `text` with every secret value replaced by `***`.
    pub fn text(&self, text: &str) -> String {
        self.scan(text, usize::MAX)
    }

    /// Redact, then cut: at most `max_chars` characters of `text` with every secret replaced.
    /// Cutting first would print the start of a secret that straddles the cut.
    pub fn excerpt(&self, text: &str, max_chars: usize) -> String {
        self.scan(text, max_chars)
    }

    /// [`Redactor::excerpt`] of a body (lossy UTF-8), reading only as much of it as the
    /// excerpt can need.
    pub fn excerpt_bytes(&self, body: &[u8], max_chars: usize) -> String {
        let longest = self
            .inner
            .read()
            .map(|f| f.forms.first().map_or(0, String::len))
            .unwrap_or(0);
        // Each output character consumes at most 4 bytes or one whole secret; one more secret
        // of slack so no secret is cut by this bound before the output is full.
        let need = max_chars
            .saturating_mul(4 + longest)
            .saturating_add(longest);
        let text = String::from_utf8_lossy(&body[..body.len().min(need)]);
        self.scan(&text, max_chars)
    }

    /// Whether `text` holds any secret, in any form hidden by [`Redactor::text`].
    pub fn contains_secret(&self, text: &str) -> bool {
        self.text(text) != text
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

#[cfg(test)]
mod form_tests {
    use super::*;

    #[test]
    fn encoded_and_base64_forms_are_hidden() {
        let r = Redactor::default();
        r.add("correct horse/battery");
        r.add_basic("me", "pw");
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let text = format!(
            "raw=correct horse/battery form=correct+horse%2Fbattery pct=correct%20horse%2Fbattery lower=correct%20horse%2fbattery b64={} basic=Basic {} inner={}",
            b64("correct horse/battery"),
            b64("me:pw"),
            b64("user:correct horse/battery"),
        );
        assert_eq!(
            r.text(&text),
            // Inside a longer base64 text, only the characters of whole 3-byte groups are the
            // secret's own; the partial groups at its ends are shared with its neighbours.
            "raw=*** form=*** pct=*** lower=*** b64=*** basic=Basic *** inner=dXNlcjpj***cnk="
        );
    }

    #[test]
    fn an_excerpt_is_redacted_before_it_is_cut() {
        let r = Redactor::default();
        r.add("KEY-0123456789");
        let body = format!("{}KEY-0123456789{}", "x".repeat(195), "y".repeat(50));
        assert_eq!(
            r.excerpt_bytes(body.as_bytes(), 200),
            format!("{}***yy", "x".repeat(195))
        );
        assert_eq!(r.excerpt(&body, 10), "x".repeat(10));
        // A secret ahead of the cut shortens the text: what moves into the window is redacted.
        let body = format!("KEY-0123456789{}KEY-0123456789", "z".repeat(190));
        assert_eq!(r.excerpt(&body, 200), format!("***{}***", "z".repeat(190)));
    }
}
