//! Every seed spec, generated twice: by build.rs (`compile_specs`) and by `include_source!`.
//! Both must compile and describe the same source.

/// The seeds as build.rs wrote them into OUT_DIR.
pub mod from_build_rs {
    include!(concat!(env!("OUT_DIR"), "/analytics.rs"));
    include!(concat!(env!("OUT_DIR"), "/analytics_typed.rs"));
    include!(concat!(env!("OUT_DIR"), "/social_media.rs"));
    include!(concat!(env!("OUT_DIR"), "/oauth_analytics.rs"));
    include!(concat!(env!("OUT_DIR"), "/inventory.rs"));
}

/// The seeds expanded by the macro.
pub mod from_macro {
    restsource::include_source!("../../specs/analytics.json");
    restsource::include_source!("../../specs/analytics_typed.toml");
    restsource::include_source!("../../specs/social_media.json");
    restsource::include_source!("../../specs/oauth_analytics.toml");
    restsource::include_source!("../../specs/inventory.toml");
}

/// The text build.rs wrote, by spec file name.
pub const BUILD_RS_OUTPUT: &[(&str, &str)] = &[
    (
        "analytics.json",
        include_str!(concat!(env!("OUT_DIR"), "/analytics.rs")),
    ),
    (
        "analytics_typed.toml",
        include_str!(concat!(env!("OUT_DIR"), "/analytics_typed.rs")),
    ),
    (
        "social_media.json",
        include_str!(concat!(env!("OUT_DIR"), "/social_media.rs")),
    ),
    (
        "oauth_analytics.toml",
        include_str!(concat!(env!("OUT_DIR"), "/oauth_analytics.rs")),
    ),
    (
        "inventory.toml",
        include_str!(concat!(env!("OUT_DIR"), "/inventory.rs")),
    ),
];
