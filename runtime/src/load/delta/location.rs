//! Where a Delta destination lives: a local directory or an S3 bucket prefix, each table a
//! Delta table in its own folder under that root, and the S3 settings read from the
//! environment when the writer opens (never stored in the [`DeltaLocation`], so neither its
//! `Debug` nor any error can show a credential).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Once};

use deltalake::logstore::{
    default_logstore, logstore_factories, object_store_factories, LogStore, LogStoreFactory,
    ObjectStoreFactory, ObjectStoreRef, StorageConfig,
};
use deltalake::{DeltaResult, Path};
use url::Url;

use super::super::LoadError;

/// The root of a Delta destination.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum DeltaLocation {
    /// A local directory (created when missing); relative paths are taken from the working
    /// directory at open time.
    File(PathBuf),
    /// `s3://bucket/prefix`: the bucket and the prefix inside it (no leading or trailing `/`,
    /// empty for the bucket's root).
    S3 {
        /// Bucket name.
        bucket: String,
        /// Key prefix the tables live under.
        prefix: String,
    },
}

impl std::fmt::Display for DeltaLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeltaLocation::File(p) => write!(f, "delta+file:{}", p.display()),
            DeltaLocation::S3 { bucket, prefix } if prefix.is_empty() => {
                write!(f, "delta+s3://{bucket}")
            }
            DeltaLocation::S3 { bucket, prefix } => write!(f, "delta+s3://{bucket}/{prefix}"),
        }
    }
}

impl DeltaLocation {
    /// Parses what follows `delta+` in a destination string: `file:/dir`, `file://dir`,
    /// `file:rel/dir` or `s3://bucket/prefix`. `None` when the scheme is neither.
    pub fn parse(rest: &str) -> Option<Result<DeltaLocation, LoadError>> {
        if let Some(path) = rest.strip_prefix("file:") {
            // `file:///abs` and `file://rel` both work; `file:/abs` is the documented form.
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() {
                return Some(Err(LoadError::MissingPath {
                    scheme: "delta+file",
                    what: "directory",
                    example: "delta+file:path/to/dir (created when missing)",
                }));
            }
            return Some(Ok(DeltaLocation::File(PathBuf::from(path))));
        }
        let rest = rest.strip_prefix("s3://")?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Some(Err(LoadError::MissingPath {
                scheme: "delta+s3",
                what: "bucket",
                example: "delta+s3://bucket/prefix",
            }));
        }
        Some(Ok(DeltaLocation::S3 {
            bucket: bucket.to_string(),
            prefix: prefix.trim_matches('/').to_string(),
        }))
    }

    /// The URL of the root folder, ending in `/` so joining a table name stays below it.
    pub fn root_url(&self) -> Result<Url, LoadError> {
        match self {
            DeltaLocation::File(path) => {
                std::fs::create_dir_all(path).map_err(|e| LoadError::io(path, e))?;
                let abs = std::fs::canonicalize(path).map_err(|e| LoadError::io(path, e))?;
                Url::from_directory_path(&abs).map_err(|()| LoadError::Delta {
                    table: String::new(),
                    message: format!("`{}` is not a usable directory", abs.display()),
                })
            }
            DeltaLocation::S3 { bucket, prefix } => {
                let text = if prefix.is_empty() {
                    format!("s3://{bucket}/")
                } else {
                    format!("s3://{bucket}/{prefix}/")
                };
                Url::parse(&text).map_err(|e| LoadError::Delta {
                    table: String::new(),
                    message: format!("bad bucket or prefix: {e}"),
                })
            }
        }
    }

    /// The options the table stores are built with: for S3 every `AWS_*` variable of the
    /// environment object_store knows (credentials, region, endpoint, `AWS_ALLOW_HTTP`, ...),
    /// keyed as object_store names them. Empty for a local directory.
    pub fn storage_options(&self) -> HashMap<String, String> {
        match self {
            DeltaLocation::File(_) => HashMap::new(),
            DeltaLocation::S3 { .. } => std::env::vars()
                .filter(|(k, _)| k.starts_with("AWS_"))
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .filter(|(k, _)| k.parse::<object_store::aws::AmazonS3ConfigKey>().is_ok())
                .collect(),
        }
    }
}

/// Builds S3 stores for delta-rs from the options a table is opened with. delta-rs's own S3
/// support (`deltalake-aws`) brings the AWS SDK for DynamoDB locking; object_store's client
/// with S3's conditional put (`If-None-Match`) makes a commit that loses a race fail instead.
struct S3Stores;

impl ObjectStoreFactory for S3Stores {
    fn parse_url_opts(
        &self,
        url: &Url,
        config: &StorageConfig,
    ) -> DeltaResult<(ObjectStoreRef, Path)> {
        let (store, path) = object_store::parse_url_opts(url, config.raw.iter())?;
        Ok((Arc::from(store), path))
    }
}

/// The plain Delta log (commits are put-if-absent) on S3 stores.
struct S3Logs;

impl LogStoreFactory for S3Logs {
    fn with_options(
        &self,
        prefixed_store: ObjectStoreRef,
        root_store: ObjectStoreRef,
        location: &Url,
        options: &StorageConfig,
    ) -> DeltaResult<Arc<dyn LogStore>> {
        Ok(default_logstore(
            prefixed_store,
            root_store,
            location,
            options,
        ))
    }
}

/// Registers the `s3://` handlers in delta-rs's global registries, once per process.
pub fn register_s3() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        for scheme in ["s3://", "s3a://"] {
            if let Ok(url) = Url::parse(scheme) {
                object_store_factories().insert(url.clone(), Arc::new(S3Stores));
                logstore_factories().insert(url, Arc::new(S3Logs));
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_file_and_s3_forms() {
        assert_eq!(
            DeltaLocation::parse("file:/tmp/x").unwrap().unwrap(),
            DeltaLocation::File(PathBuf::from("/tmp/x"))
        );
        assert_eq!(
            DeltaLocation::parse("file://rel/x").unwrap().unwrap(),
            DeltaLocation::File(PathBuf::from("rel/x"))
        );
        assert_eq!(
            DeltaLocation::parse("s3://b/a/b/").unwrap().unwrap(),
            DeltaLocation::S3 {
                bucket: "b".into(),
                prefix: "a/b".into()
            }
        );
        assert_eq!(
            DeltaLocation::parse("s3://b").unwrap().unwrap(),
            DeltaLocation::S3 {
                bucket: "b".into(),
                prefix: String::new()
            }
        );
        assert!(matches!(
            DeltaLocation::parse("file:"),
            Some(Err(LoadError::MissingPath { .. }))
        ));
        assert!(matches!(
            DeltaLocation::parse("s3:///x"),
            Some(Err(LoadError::MissingPath { .. }))
        ));
        assert!(DeltaLocation::parse("gs://b").is_none());
    }

    #[test]
    fn root_urls_end_in_a_slash() {
        let s3 = DeltaLocation::parse("s3://b/p").unwrap().unwrap();
        assert_eq!(s3.root_url().unwrap().as_str(), "s3://b/p/");
        assert_eq!(s3.to_string(), "delta+s3://b/p");
    }
}
