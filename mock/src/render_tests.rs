//! The direct renderer against the `Value`-based reference, byte for byte.

use base64::Engine;
use chrono::{DateTime, NaiveDate, SecondsFormat};

use super::*;
use crate::generate::{format_minutes, record};
use crate::mutation::{apply, MutationSpec};
use crate::resources::{all_resources, kind_of, wrong_type_field, INVENTORY};
use crate::store::Store;

const SHAPES: [Shape; 3] = [Shape::Wide, Shape::Seed, Shape::Drifted];
const SEEDS: [u64; 4] = [0, 42, 7, u64::MAX];

fn reference(seed: u64, resource: &str, shape: Shape, id: u64, state: RecordState) -> String {
    let kind = kind_of(resource).expect("served resource");
    record(seed, resource, kind, shape, id, state).to_string()
}

fn rendered(seed: u64, resource: &str, shape: Shape, id: u64, state: RecordState) -> String {
    let kind = kind_of(resource).expect("served resource");
    let mut out = Vec::new();
    Renderer::new(seed, resource, kind, shape).write(&mut out, id, state);
    String::from_utf8(out).expect("UTF-8")
}

/// Ids covering every special case (multiples of 3, 5, 7, 11, 13 and their products, the
/// 366-day wrap of `created_on`) from 1 up to a million.
fn ids() -> Vec<u64> {
    let mut ids: Vec<u64> = (1..=1200).collect();
    ids.extend((1..=1_000_000).step_by(9973));
    ids.extend([5005, 15015, 65_535, 65_536, 16_777_215, 16_777_216]);
    ids.extend([999_999, 1_000_000, 4_294_967_295, 4_294_967_296]);
    ids
}

fn states(id: u64) -> [RecordState; 5] {
    let initial = RecordState::initial(id);
    [
        initial,
        RecordState {
            version: 1,
            updated_min: initial.updated_min + 1_000_003,
            ..initial
        },
        RecordState {
            version: 17,
            ..initial
        },
        RecordState {
            deleted: true,
            updated_min: 5_000_000 + id as i64,
            ..initial
        },
        RecordState {
            version: 3,
            deleted: true,
            updated_min: 0,
        },
    ]
}

#[test]
fn every_record_renders_as_the_reference_serializes() {
    let resources = ["resource", "media", "items", "stock_summaries"];
    for seed in SEEDS {
        for shape in SHAPES {
            for resource in resources {
                for id in ids() {
                    for state in states(id) {
                        assert_eq!(
                            rendered(seed, resource, shape, id, state),
                            reference(seed, resource, shape, id, state),
                            "seed {seed}, {resource}, {shape:?}, id {id}, {state:?}"
                        );
                    }
                }
            }
        }
    }
}

/// The page of `name` at `offset`/`limit` built from reference records.
fn reference_page(store: &Store, name: &str, offset: usize, limit: usize) -> String {
    let data = store.resource(name).expect("materialised");
    let total = data.states.len();
    let records: Vec<String> = (offset.min(total)..(offset + limit).min(total))
        .map(|i| store.value(name, data, i).to_string())
        .collect();
    format!("{{\"data\":[{}],\"total\":{total}}}", records.join(","))
}

fn page(store: &Store, name: &str, offset: usize, limit: usize, corrupt: Option<&str>) -> String {
    let page = store
        .page(name, offset, limit, None, corrupt)
        .expect("materialised");
    String::from_utf8(page.body).expect("UTF-8")
}

#[test]
fn whole_pages_match_before_and_after_mutations_cached_or_not() {
    for seed in [3, 42] {
        for shape in SHAPES {
            // A budget of 0 renders every time; a large one serves the second read cached.
            for budget in [0, 1 << 30] {
                let mut store = Store::new(seed, shape, 700, budget);
                for resource in all_resources() {
                    assert!(store.ensure(resource));
                }
                for round in 0..3 {
                    for resource in all_resources() {
                        for (offset, limit) in [(0, 100), (600, 100), (650, 1000), (900, 10)] {
                            let expected = reference_page(&store, resource, offset, limit);
                            for _ in 0..3 {
                                assert_eq!(
                                    page(&store, resource, offset, limit, None),
                                    expected,
                                    "{resource} {shape:?} round {round} offset {offset}"
                                );
                            }
                        }
                    }
                    let mutated = apply(&mut store, &MutationSpec::percent(10.0, 700));
                    assert!(mutated.is_some());
                }
            }
        }
    }
}

#[test]
fn the_wrong_type_fault_still_corrupts_the_first_record_only() {
    for shape in SHAPES {
        let mut store = Store::new(42, shape, 30, 1 << 20);
        assert!(store.ensure("orders"));
        let field = wrong_type_field(ResourceKind::Inventory);
        let body = page(&store, "orders", 10, 5, Some(field));
        let value: serde_json::Value = serde_json::from_str(&body).expect("JSON");
        assert_eq!(value["data"][0][field], "lots");
        assert_eq!(value["data"][0]["id"], 11);
        let clean = reference_page(&store, "orders", 11, 4);
        let rest = &clean["{\"data\":[".len()..];
        assert!(body.ends_with(rest), "{body}");
    }
}

#[test]
fn seed_shape_records_are_small_and_exact() {
    let state = RecordState::initial(12);
    assert_eq!(
        rendered(42, "items", Shape::Seed, 12, state),
        r#"{"id":12,"name":"items #12","updated_at":"2024-01-01T00:12:00Z","quantity":420,"sku":"SKU-12","warehouse":4}"#
    );
    let changed = RecordState {
        updated_min: 30_000,
        version: 2,
        deleted: true,
    };
    assert_eq!(
        rendered(42, "orders", Shape::Seed, 35, changed),
        r#"{"id":35,"name":"Ünïcødé ✓ 漢字 #35 (rev 2)","updated_at":"2024-01-21T20:00:00Z","quantity":null,"sku":"SKU-35","warehouse":13,"deleted":true}"#
    );
}

#[test]
fn seed_shape_keeps_the_wide_semantics_of_shared_fields() {
    for resource in INVENTORY {
        for id in ids() {
            for state in states(id) {
                let wide = record(
                    42,
                    resource,
                    ResourceKind::Inventory,
                    Shape::Wide,
                    id,
                    state,
                );
                let seed = record(
                    42,
                    resource,
                    ResourceKind::Inventory,
                    Shape::Seed,
                    id,
                    state,
                );
                for field in ["id", "name", "updated_at", "quantity", "deleted"] {
                    assert_eq!(wide.get(field), seed.get(field), "{resource} {id} {field}");
                }
                assert_eq!(seed["sku"], format!("SKU-{id}"));
                assert!(seed["warehouse"].as_u64().is_some_and(|w| w < 16));
            }
        }
    }
}

#[test]
fn other_kinds_ignore_the_shape() {
    for resource in ["resource", "media", "users"] {
        for id in [1, 5, 7, 35, 1001] {
            let state = RecordState::initial(id);
            assert_eq!(
                rendered(9, resource, Shape::Seed, id, state),
                rendered(9, resource, Shape::Wide, id, state)
            );
        }
    }
}

#[test]
fn timestamps_match_chrono_across_and_beyond_four_digit_years() {
    let mut secs: Vec<i64> = (-70_000..4_000_000).map(|m| m * 60 + m % 61).collect();
    secs.extend((-63_000_000_000..300_000_000_000).step_by(7_777_777));
    secs.extend([
        -62_167_219_200,
        -62_167_219_201,
        253_402_300_799,
        253_402_300_800,
    ]);
    for s in secs {
        let mut out = Vec::new();
        write_timestamp(&mut out, Some(s));
        let expected = DateTime::from_timestamp(s, 0)
            .expect("in range")
            .to_rfc3339_opts(SecondsFormat::Secs, true);
        assert_eq!(
            String::from_utf8(out).expect("UTF-8"),
            format!("\"{expected}\"")
        );
    }
    for minutes in [0, 1, 59, 60, 1439, 1440, 525_600, 1_000_000, 999_999_999] {
        let mut out = Vec::new();
        write_minutes(&mut out, minutes);
        let expected = format!("\"{}\"", format_minutes(minutes));
        assert_eq!(String::from_utf8(out).expect("UTF-8"), expected);
    }
}

#[test]
fn dates_numbers_and_base64_match_their_std_and_crate_forms() {
    let unix = NaiveDate::from_ymd_opt(1970, 1, 1).expect("date");
    for days in -800_000..3_000_000 {
        let date = unix + chrono::Duration::days(days);
        let (y, m, d) = civil_from_days(days);
        assert_eq!(
            (y, m, d),
            (
                i64::from(chrono::Datelike::year(&date)),
                chrono::Datelike::month(&date),
                chrono::Datelike::day(&date)
            )
        );
    }
    for n in (0..100_000).chain([u64::MAX, u64::MAX / 3, 1 << 40]) {
        let mut out = Vec::new();
        write_u64(&mut out, n);
        write_padded(&mut out, n, 3);
        write_padded(&mut out, n, 2);
        assert_eq!(out, format!("{n}{n:03}{n:02}").into_bytes());
    }
    let bytes: Vec<u8> = (0..=255).collect();
    for len in 0..20 {
        for start in [0, 100, 236] {
            let input = &bytes[start..start + len];
            let mut out = Vec::new();
            write_base64(&mut out, input);
            let expected = base64::engine::general_purpose::STANDARD.encode(input);
            assert_eq!(out, expected.into_bytes());
        }
    }
}

#[test]
fn strings_needing_escapes_are_escaped_as_serde_json_does() {
    for s in [
        "plain",
        "quo\"te",
        "back\\slash",
        "new\nline",
        "\u{1}",
        "ünï ✓",
    ] {
        let mut out = Vec::new();
        write_plain(&mut out, s);
        assert_eq!(out, serde_json::to_vec(s).expect("serializes"));
    }
    let odd = Renderer::new(1, "we\"ird", ResourceKind::Inventory, Shape::Wide);
    let mut out = Vec::new();
    odd.write(&mut out, 1, RecordState::initial(1));
    let kind = ResourceKind::Inventory;
    let expected = record(1, "we\"ird", kind, Shape::Wide, 1, RecordState::initial(1));
    assert_eq!(String::from_utf8(out).expect("UTF-8"), expected.to_string());
}
