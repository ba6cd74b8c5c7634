//! Issue 17: `restsource import-dlt` on each seed document's Python block writes a spec
//! (`specs/imported/`, kept fresh by `import/tests/seeds.rs`) that compiles through
//! `include_source!` and loads exactly the tables dlt 1.31 loads from the same config and API,
//! as the hand-written `specs/as_written/` specs do.

use restsource::runtime::secret::Secret;
use restsource_mock::AuthMode;

use crate::as_written::{assert_conforms, key, load, seed_conformance};
use crate::harness::*;

mod specs {
    restsource::include_source!("specs/imported/analytics.toml");
    restsource::include_source!("specs/imported/analytics_typed.toml");
    restsource::include_source!("specs/imported/social_media.toml");
    restsource::include_source!("specs/imported/inventory.toml");
    restsource::include_source!("specs/imported/oauth_analytics.toml");
}
seed_conformance!(specs, "imported");
