//! Generates every seed spec into OUT_DIR through the build.rs API.

fn main() {
    restsource_codegen::compile_specs(&[
        "../../specs/analytics.json",
        "../../specs/analytics_typed.toml",
        "../../specs/social_media.json",
        "../../specs/oauth_analytics.toml",
        "../../specs/inventory.toml",
    ])
    .unwrap();
}
