//! The checks every page of a paginated stream passes, in delivery order: the selector found
//! what the stream's earlier pages promised ([`Selected`]), and the API is not sending the same
//! body again and again while the paginator asks for new pages.
//!
//! Both exist because the failure they catch looks like success otherwise: an error object
//! sent with status 200 (`{"message": "Service unavailable"}`) selects no records, which reads
//! as "no more data" and empties a `replace` table; an API that ignores the offset returns
//! page 1 until the paginator runs out, loading it a thousand times.

use crate::def::{DataSelectorMissing, ResourceDef};
use crate::http::Redactor;
use crate::select::{path_text, PathStep, Selected};

use super::ExtractError;

/// Pages in a row with a byte-identical body that stop a stream. Two in a row may happen by
/// chance (a tiny final page equal to the one before); three is an API ignoring the paginator.
pub(crate) const SAME_BODY_LIMIT: u32 = 3;

use crate::http::EXCERPT_CHARS;

/// The checks of one stream (a resource's pages, or a child's for one parent record).
pub(crate) struct PageGuard {
    def: &'static ResourceDef,
    paginator: &'static str,
    /// A page of this stream selected a list, so an object is an error from now on.
    had_list: bool,
    last_body: Option<u64>,
    same_bodies: u32,
}

/// What the guard needs to know of a page.
pub(crate) struct PageFacts<'a> {
    pub page: u64,
    /// Redacted URL.
    pub url: &'a str,
    pub body: &'a [u8],
    pub selected: Selected,
    /// Records selected (before incremental filtering).
    pub records: usize,
    /// The selector used, and whether it was detected on page 1 rather than given.
    pub selector: &'a [PathStep],
    pub detected: bool,
}

impl PageGuard {
    /// A guard for a new stream of `def`'s pages.
    pub fn new(def: &'static ResourceDef) -> Self {
        PageGuard {
            def,
            paginator: "",
            had_list: false,
            last_body: None,
            same_bodies: 0,
        }
    }

    /// The paginator's name, for the repeated-body message (it may be detected on page 1).
    pub fn set_paginator(&mut self, name: &'static str) {
        self.paginator = name;
    }

    /// Checks the next page in delivery order.
    pub fn check(&mut self, p: &PageFacts<'_>, redactor: &Redactor) -> Result<(), ExtractError> {
        let what = || {
            let path = path_text(p.selector);
            if p.detected {
                format!("the record list `{path}` (detected on page 1)")
            } else {
                format!("data_selector `{path}`")
            }
        };
        let problem = match p.selected {
            Selected::List => {
                self.had_list = true;
                None
            }
            Selected::Object if self.had_list => Some(format!(
                "{} selected an object where earlier pages had a list of records",
                what()
            )),
            Selected::Object | Selected::Null => None,
            Selected::Scalar => Some(format!(
                "{} selected a scalar, not a record or a list of records",
                what()
            )),
            Selected::Missing => match self.def.endpoint.data_selector_missing {
                DataSelectorMissing::Empty => None,
                DataSelectorMissing::Error => Some(format!(
                    "{} not found in the response (if the API leaves it out of empty pages, set \
                     the endpoint's `data_selector_missing` to \"empty\")",
                    what()
                )),
            },
        };
        if let Some(message) = problem {
            return Err(ExtractError::BadPage {
                resource: self.def.name.to_string(),
                page: p.page,
                url: p.url.to_string(),
                message: message.into(),
                excerpt: excerpt(redactor, p.body).into(),
            });
        }
        self.repeats(p)
    }

    /// Counts byte-identical bodies in a row. Pages without records never count and break a
    /// run: an empty page repeated is how many APIs end, and the paginator stops on it.
    fn repeats(&mut self, p: &PageFacts<'_>) -> Result<(), ExtractError> {
        if p.records == 0 || p.body.is_empty() {
            self.last_body = None;
            self.same_bodies = 0;
            return Ok(());
        }
        let hash = body_hash(p.body);
        if self.last_body == Some(hash) {
            self.same_bodies += 1;
        } else {
            self.last_body = Some(hash);
            self.same_bodies = 1;
        }
        if self.same_bodies < SAME_BODY_LIMIT {
            return Ok(());
        }
        Err(ExtractError::RepeatedBody {
            resource: self.def.name.to_string(),
            page: p.page,
            url: p.url.to_string(),
            paginator: self.paginator,
            repeats: self.same_bodies,
        })
    }
}

/// The start of a body for an error message: redacted first, then cut to [`EXCERPT_CHARS`]
/// characters, line breaks and other control characters shown as spaces.
pub(crate) fn excerpt(redactor: &Redactor, body: &[u8]) -> String {
    // One character more than is shown tells whether anything was cut.
    let text = redactor.excerpt_bytes(body, EXCERPT_CHARS + 1);
    let mut out: String = text
        .chars()
        .take(EXCERPT_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().nth(EXCERPT_CHARS).is_some() {
        out.push('…');
    }
    out
}

/// A fast 64-bit hash of a body (several bytes per cycle: four independent lanes of eight
/// bytes), so the repeat check costs little next to decoding the page.
///
/// Each step `lane = (rotl(lane) ^ word) * ODD` is a bijection of the lane for a fixed word, and
/// so is the final fold for each lane, so two bodies of the same length that differ in one
/// word never collide; the length is mixed in for the rest.
pub(crate) fn body_hash(body: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mix = |h: u64, w: u64| (h.rotate_left(23) ^ w).wrapping_mul(K);
    let word = |b: &[u8]| {
        let mut w = [0u8; 8];
        w.copy_from_slice(b);
        u64::from_le_bytes(w)
    };
    let mut lanes = [
        0x243F_6A88_85A3_08D3u64,
        0x1319_8A2E_0370_7344,
        0xA409_3822_299F_31D0,
        0x082E_FA98_EC4E_6C89,
    ];
    let mut chunks = body.chunks_exact(32);
    for c in &mut chunks {
        lanes[0] = mix(lanes[0], word(&c[0..8]));
        lanes[1] = mix(lanes[1], word(&c[8..16]));
        lanes[2] = mix(lanes[2], word(&c[16..24]));
        lanes[3] = mix(lanes[3], word(&c[24..32]));
    }
    let mut h = body.len() as u64;
    for lane in lanes {
        h = mix(h, lane);
    }
    for &b in chunks.remainder() {
        h = mix(h, u64::from(b));
    }
    h ^ (h >> 29)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_hash_tells_one_changed_byte_anywhere() {
        let base: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 251) as u8).collect();
        let h = body_hash(&base);
        assert_eq!(h, body_hash(&base.clone()));
        for pos in [0, 7, 8, 31, 32, 500, 991, 999] {
            let mut other = base.clone();
            other[pos] ^= 1;
            assert_ne!(h, body_hash(&other), "byte {pos}");
        }
        assert_ne!(body_hash(b"[1]"), body_hash(b"[1] "));
        assert_ne!(body_hash(b""), body_hash(b"\0"));
    }

    #[test]
    fn excerpt_redacts_before_cutting() {
        let r = Redactor::default();
        let secret = "S".repeat(30);
        r.add(&secret);
        // The secret straddles the 200th character: cut first, its prefix would survive.
        let body = format!("{{\"m\":\"{}{secret}tail\"}}", "x".repeat(180));
        let got = excerpt(&r, body.as_bytes());
        assert_eq!(got, format!("{{\"m\":\"{}***tail\"}}", "x".repeat(180)));
        let long = format!("{{\"m\":\n\"{}\"}}", "y".repeat(300));
        let got = excerpt(&r, long.as_bytes());
        assert_eq!(got, format!("{{\"m\": \"{}…", "y".repeat(193)));
    }
}
