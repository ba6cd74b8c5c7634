//! Extraction errors. Every message names the resource and, where there is one, the page and
//! the URL with secrets redacted.

/// Something went wrong fetching or decoding a resource.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// Placeholder until the extraction layer lands.
    #[error("resource `{resource}`: {message}")]
    Other {
        /// Resource name.
        resource: String,
        /// What happened.
        message: String,
    },
}
