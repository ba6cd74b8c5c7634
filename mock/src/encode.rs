//! Compressed response bodies, so clients are tested on what real APIs send: a mock set up
//! with [`Compression`] compresses its 200 answers when the request's `Accept-Encoding`
//! lists that coding, and answers uncompressed otherwise (as a server must).

use std::io::Write;

use axum::body::Body;
use axum::http::header::{HeaderValue, CONTENT_ENCODING, CONTENT_LENGTH};
use axum::response::Response;

/// A content coding the mock can answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// `gzip` (RFC 1952).
    Gzip,
    /// `deflate`: zlib-wrapped deflate (RFC 1950), as HTTP defines it.
    Deflate,
    /// `br` (Brotli).
    Brotli,
    /// `zstd` (Zstandard).
    Zstd,
}

impl Compression {
    /// The coding's token in `Accept-Encoding` and `Content-Encoding`.
    pub fn token(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Deflate => "deflate",
            Compression::Brotli => "br",
            Compression::Zstd => "zstd",
        }
    }

    /// Whether an `Accept-Encoding` value lists this coding (any q-value but 0).
    pub(crate) fn accepted_by(self, accept: &str) -> bool {
        accept.split(',').any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let name = parts.next().unwrap_or("");
            let refused = parts.any(|p| p.replace(' ', "") == "q=0");
            name.eq_ignore_ascii_case(self.token()) && !refused
        })
    }

    fn compress(self, body: &[u8]) -> std::io::Result<Vec<u8>> {
        match self {
            Compression::Gzip => {
                let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                e.write_all(body)?;
                e.finish()
            }
            Compression::Deflate => {
                let mut e =
                    flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
                e.write_all(body)?;
                e.finish()
            }
            Compression::Brotli => {
                let mut out = Vec::new();
                {
                    let mut e = brotli::CompressorWriter::new(&mut out, 4096, 4, 22);
                    e.write_all(body)?;
                }
                Ok(out)
            }
            Compression::Zstd => zstd::bulk::compress(body, 1),
        }
    }
}

/// `response` with its body compressed with `coding` (a failure leaves it as it was: the
/// encoders only fail on I/O to memory, which does not happen).
pub(crate) async fn compressed(response: Response, coding: Compression) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    match coding.compress(&bytes) {
        Ok(encoded) => {
            parts.headers.remove(CONTENT_LENGTH);
            parts
                .headers
                .insert(CONTENT_ENCODING, HeaderValue::from_static(coding.token()));
            Response::from_parts(parts, Body::from(encoded))
        }
        Err(_) => Response::from_parts(parts, Body::from(bytes)),
    }
}

#[cfg(test)]
mod tests {
    use super::Compression;

    #[test]
    fn accept_encoding_lists_are_read_with_q_values() {
        let reqwest_default = "gzip, deflate, br, zstd";
        for c in [
            Compression::Gzip,
            Compression::Deflate,
            Compression::Brotli,
            Compression::Zstd,
        ] {
            assert!(c.accepted_by(reqwest_default), "{c:?}");
        }
        assert!(!Compression::Zstd.accepted_by("gzip, br"));
        assert!(!Compression::Gzip.accepted_by("gzip;q=0, br"));
        assert!(Compression::Gzip.accepted_by("GZIP;q=0.5"));
    }
}
