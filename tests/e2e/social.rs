//! Seed 002: seven social media resources under one API key, offset/100, merge on `id`.

use restsource::runtime::def::ResourceDef;
use restsource::runtime::secret::Secret;
use restsource_mock::{FaultPlan, MockApi, MockConfig, MutationSpec};

use crate::harness::*;

restsource::include_source!("specs/social_media.json");

const TABLES: [(&ResourceDef, &str); 7] = [
    (&social_media::MEDIA, "media"),
    (&social_media::MEDIA_INSIGHTS, "media_insights"),
    (&social_media::STORIES, "stories"),
    (&social_media::USER_INSIGHTS, "user_insights"),
    (&social_media::STORY_INSIGHTS, "story_insights"),
    (&social_media::USERS, "users"),
    (
        &social_media::USER_LIFETIME_INSIGHTS,
        "user_lifetime_insights",
    ),
];

fn source(api: &MockApi) -> social_media::Source {
    social_media::Source::new(social_media::Secrets {
        api_key: Secret::new("test-key"),
    })
    .with_base_url(api.base_url())
    .with_options(fast_options())
}

#[tokio::test]
async fn seven_resources_load_merge_and_survive_faults() {
    // 1,000 records: 10 pages per resource, so 10% faults hit several of the 70 requests.
    let api = MockApi::start(MockConfig {
        records: 1000,
        ..MockConfig::default()
    })
    .await;
    let db = scratch_db("social");
    let src = source(&api);
    let handles = social_media::Source::resources();
    assert_eq!(handles.len(), 7);

    let report = run(src.extractor(), &handles, &db)
        .await
        .expect("first run");
    assert_tables(&db, &api, &TABLES, true);
    assert_eq!(report.requests, 70);
    for (def, _) in TABLES {
        assert_eq!(report.rows[def.table_name], 1000);
    }
    assert_each_request_once(&api.request_log(), 0);

    api.mutate(MutationSpec::percent(10.0, 250))
        .expect("mutate");
    api.set_faults(FaultPlan::retryable(0.10).with_max_consecutive_failures(3));
    api.clear_log();
    let report = run(src.extractor(), &handles, &db)
        .await
        .expect("run with faults");
    assert_tables(&db, &api, &TABLES, true);
    let failed = assert_each_request_once(&api.request_log(), 3);
    assert_eq!(report.retries as usize, failed);
}

#[tokio::test]
async fn a_resource_subset_runs_only_those_resources() {
    let api = MockApi::start(MockConfig::default()).await;
    let db = scratch_db("social-subset");
    let src = source(&api);
    let handles = restsource::runtime::pipeline::select(
        &social_media::Source::resources(),
        &["users", "stories"],
    )
    .expect("known names");
    let report = run(src.extractor(), &handles, &db).await.expect("run");
    assert_eq!(
        report.rows.keys().collect::<Vec<_>>(),
        ["stories", "users"],
        "only the chosen tables"
    );
    let paths: std::collections::BTreeSet<String> =
        api.request_log().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths.into_iter().collect::<Vec<_>>(),
        ["/v1/stories", "/v1/users"]
    );
}
