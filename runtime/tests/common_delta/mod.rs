//! What the Delta Lake tests share: their pipeline, the destinations each test runs on (a
//! local directory, and a bucket on the S3 server in `RESTSOURCE_TEST_S3` when set), and
//! the location inside a destination.
#![allow(dead_code)]

use restsource_runtime::load::delta::DeltaLocation;
use restsource_runtime::load::Destination;
use restsource_runtime::pipeline::{Pipeline, PipelineOptions};

use super::common_load::temp_dir;

pub fn pipeline(dest: &Destination) -> Pipeline {
    pipeline_in_passes(dest, PipelineOptions::default().delta_keys_per_pass)
}

/// A pipeline whose Delta merges hold at most `keys` of a run's keys at a time: 1 makes a
/// merge of N keys take N passes, each reading the key columns again.
pub fn pipeline_in_passes(dest: &Destination, keys: usize) -> Pipeline {
    Pipeline::new(dest.clone()).with_options(PipelineOptions {
        progress: false,
        delta_keys_per_pass: keys,
        ..PipelineOptions::default()
    })
}

/// Merges as one pass holds them, and in passes of a single key (see `pipeline_in_passes`),
/// with the name a test's destinations take for each.
pub const PASSES: [(usize, &str); 2] = [
    (restsource_runtime::load::DELTA_KEYS_PER_PASS, ""),
    (1, "_passes"),
];

/// The destinations a test runs on: a fresh local directory, and a fresh bucket on the S3
/// server named by `RESTSOURCE_TEST_S3` when set.
pub async fn destinations(name: &str) -> Vec<Destination> {
    let mut out =
        vec![Destination::from_url(&format!("delta+file:{}", temp_dir(name).display())).unwrap()];
    match std::env::var("RESTSOURCE_TEST_S3") {
        Ok(endpoint) => {
            let bucket = format!(
                "rs-{}-{}-{}",
                name.replace('_', "-"),
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .subsec_nanos()
            );
            create_bucket(&endpoint, &bucket).await;
            out.push(Destination::from_url(&format!("delta+s3://{bucket}/lake")).unwrap());
        }
        Err(_) => println!("skipping the S3 half: RESTSOURCE_TEST_S3 not set"),
    }
    out
}

/// Points object_store at the test server (unless the environment already does) and
/// creates `bucket` there.
pub async fn create_bucket(endpoint: &str, bucket: &str) {
    for (k, v) in [
        ("AWS_ENDPOINT_URL", endpoint),
        ("AWS_ALLOW_HTTP", "true"),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_REGION", "us-east-1"),
    ] {
        if std::env::var_os(k).is_none() {
            // Every test sets the same values, so racing setters agree.
            unsafe { std::env::set_var(k, v) };
        }
    }
    let url = format!("{}/{bucket}", endpoint.trim_end_matches('/'));
    let status = reqwest::Client::new()
        .put(&url)
        .send()
        .await
        .unwrap()
        .status();
    assert!(status.is_success(), "creating bucket {bucket}: {status}");
}

pub fn location(dest: &Destination) -> &DeltaLocation {
    match dest {
        Destination::Delta(l) => l,
        other => panic!("not a delta destination: {other:?}"),
    }
}
