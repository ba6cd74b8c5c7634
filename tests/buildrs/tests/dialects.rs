//! A program carries the SQL of the dialects its runtime loads into and no other: generated
//! code names every dialect, `sql_defs!` keeps the enabled ones.

use restsource_buildrs_test::{from_build_rs, from_macro};

/// Whether the running test program's file holds `text`.
fn program_holds(text: &str) -> bool {
    let exe = std::fs::read(std::env::current_exe().expect("test program path"))
        .expect("read the test program");
    exe.windows(text.len()).any(|w| w == text.as_bytes())
}

#[test]
fn only_the_enabled_dialects_sql_reaches_the_program() {
    // Keep both sources' definitions (and their SQL) in the program.
    std::hint::black_box((
        &from_macro::analytics::SOURCE,
        &from_build_rs::analytics::SOURCE,
    ));
    // The same generated statement in each dialect (resource `resource_name` of the seed),
    // put together at run time: written whole here, it would be in the program anyway.
    let column =
        std::hint::black_box("ALTER TABLE \"resource_name\" ADD COLUMN \"event_timestamp\"");
    let sqlite = format!("{column} TIMESTAMP");
    let postgres = format!("{column} timestamp with time zone");
    assert!(program_holds(&sqlite), "the SQLite statement is missing");
    assert_eq!(
        program_holds(&postgres),
        cfg!(feature = "postgres"),
        "PostgreSQL statements must reach the program exactly when its feature is on"
    );
}
