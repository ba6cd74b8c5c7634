//! Issue 17: `restsource import-dlt` on each seed document's Python block writes a spec
//! (`specs/imported/`, kept fresh by `import/tests/seeds.rs`) that compiles through
//! `include_source!` and loads exactly the tables dlt 1.31 loads from the same config and API,
//! as the hand-written `specs/as_written/` specs do.

use restsource::runtime::secret::Secret;
use restsource_mock::AuthMode;

use crate::as_written::{assert_conforms, key, load, mock};
use crate::harness::*;

mod specs {
    restsource::include_source!("specs/imported/analytics.toml");
    restsource::include_source!("specs/imported/analytics_typed.toml");
    restsource::include_source!("specs/imported/social_media.toml");
    restsource::include_source!("specs/imported/inventory.toml");
    restsource::include_source!("specs/imported/oauth_analytics.toml");
}
use specs::*;

#[tokio::test]
async fn imported_analytics_loads_as_dlt_does() {
    let api = mock(AuthMode::ApiKey).await;
    let db = scratch_db("imported-analytics");
    let src = analytics::Source::new(analytics::Secrets { api_key: key() })
        .with_base_url(api.base_url())
        .with_options(fast_options());
    load(src.extractor(), &analytics::Source::resources(), &db).await;
    assert_conforms("analytics", &db);
}

#[tokio::test]
async fn imported_analytics_typed_loads_as_dlt_does() {
    let api = mock(AuthMode::ApiKey).await;
    let db = scratch_db("imported-analytics-typed");
    let src = analytics_typed::Source::new(analytics_typed::Secrets { api_key: key() })
        .with_base_url(api.base_url())
        .with_options(fast_options());
    load(src.extractor(), &analytics_typed::Source::resources(), &db).await;
    assert_conforms("analytics_typed", &db);
}

#[tokio::test]
async fn imported_social_media_loads_as_dlt_does() {
    let api = mock(AuthMode::ApiKey).await;
    let db = scratch_db("imported-social");
    let src = social_media::Source::new(social_media::Secrets { api_key: key() })
        .with_base_url(api.base_url())
        .with_options(fast_options());
    load(src.extractor(), &social_media::Source::resources(), &db).await;
    assert_conforms("social_media", &db);
}

#[tokio::test]
async fn imported_inventory_loads_as_dlt_does() {
    let api = mock(AuthMode::ApiKey).await;
    let db = scratch_db("imported-inventory");
    let src = inventory::Source::new(inventory::Secrets { api_key: key() })
        .with_base_url(api.base_url())
        .with_options(fast_options());
    load(src.extractor(), &inventory::Source::resources(), &db).await;
    assert_conforms("inventory", &db);
}

#[tokio::test]
async fn imported_oauth_analytics_loads_as_dlt_does() {
    let api = mock(AuthMode::OAuth).await;
    let db = scratch_db("imported-oauth");
    let src = oauth_analytics::Source::new(oauth_analytics::Secrets {
        client_id: Secret::new("client-1"),
        client_secret: Secret::new("secret-1"),
    })
    .with_base_url(api.base_url())
    .with_options(fast_options());
    load(src.extractor(), &oauth_analytics::Source::resources(), &db).await;
    assert_conforms("oauth_analytics", &db);
}
