//! Deterministic record contents: every field is a pure function of (seed, resource, id,
//! record state), so a record can be re-rendered at any time instead of being stored.
//!
//! [`record`] builds a `serde_json::Value` and is the reference definition of every record;
//! pages are written by `crate::render`, which must produce exactly the bytes of
//! serializing [`record`] (its tests compare the two).

use base64::Engine;
use chrono::{DateTime, Duration as ChronoDuration, NaiveDate, SecondsFormat, Utc};
use serde_json::{json, Map, Value};

use crate::config::Shape;
use crate::resources::ResourceKind;

/// What can change about a record after it was generated; compact on purpose (a million
/// records per resource cost 16 MB).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordState {
    /// `updated_at`, in minutes after 2024-01-01T00:00:00Z.
    pub updated_min: i64,
    /// How many times a mutation changed the record's `name`/`quantity`.
    pub version: u32,
    /// Deleted records stay in the feed with `"deleted": true`.
    pub deleted: bool,
}

impl RecordState {
    /// The state of record `id` before any mutation: `updated_at` is `id` minutes past the
    /// epoch, so ids and timestamps ascend together.
    pub fn initial(id: u64) -> Self {
        RecordState {
            updated_min: id as i64,
            version: 0,
            deleted: false,
        }
    }
}

fn epoch() -> DateTime<Utc> {
    DateTime::<Utc>::from_naive_utc_and_offset(
        NaiveDate::from_ymd_opt(2024, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .unwrap_or_default(),
        Utc,
    )
}

/// RFC 3339 UTC text (`2024-01-01T00:05:00Z`) of a minute offset from the epoch.
pub fn format_minutes(minutes: i64) -> String {
    (epoch() + ChronoDuration::minutes(minutes)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Minutes after the epoch of an RFC 3339 timestamp, rounded up so that a filter
/// `updated_at >= since` keeps exactly the records at or after `since`.
pub fn minutes_since_epoch(since: &str) -> Option<i64> {
    let at = DateTime::parse_from_rfc3339(since)
        .ok()?
        .with_timezone(&Utc);
    let ceil_secs =
        at.timestamp() - epoch().timestamp() + i64::from(at.timestamp_subsec_nanos() > 0);
    Some(ceil_secs.div_euclid(60) + i64::from(ceil_secs.rem_euclid(60) > 0))
}

/// A 64-bit mix (splitmix64) used to derive every pseudo-random field.
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// FNV-1a of a string, to fold names into hashes.
pub fn hash_str(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

pub(crate) const SOURCES: [&str; 4] = ["web", "ios", "android", "email"];
pub(crate) const COUNTRIES: [&str; 5] = ["US", "DE", "JP", "BR", "FR"];
pub(crate) const COLORS: [&str; 4] = ["red", "green", "blue", "black"];
pub(crate) const TAGS: [&str; 5] = ["new", "sale", "vip", "bulk", "ß-tag"];

pub(crate) fn pick<'a>(list: &[&'a str], h: u64) -> &'a str {
    list[(h % list.len() as u64) as usize]
}

fn tags(id: u64, h: u64) -> Value {
    let list: Vec<Value> = (0..tag_count(id, h))
        .map(|i| Value::from(pick(&TAGS, h >> (8 * (i + 1)))))
        .collect();
    Value::Array(list)
}

/// Every pseudo-random field of record `id` derives from this hash.
pub(crate) fn record_hash(seed: u64, resource: &str, id: u64) -> u64 {
    mix(seed ^ hash_str(resource) ^ mix(id))
}

/// Tags count of record `id`: every 11th record has none, so empty lists are exercised too.
pub(crate) fn tag_count(id: u64, h: u64) -> usize {
    if id.is_multiple_of(11) {
        0
    } else {
        1 + (h % 3) as usize
    }
}

/// The full JSON record `id` of `resource` in `state`, in `shape`.
pub fn record(
    seed: u64,
    resource: &str,
    kind: ResourceKind,
    shape: Shape,
    id: u64,
    state: RecordState,
) -> Value {
    let h = record_hash(seed, resource, id);
    let mut m = Map::new();
    m.insert("id".into(), json!(id));
    let mut name = if id.is_multiple_of(5) {
        format!("Ünïcødé ✓ 漢字 #{id}")
    } else {
        format!("{resource} #{id}")
    };
    if state.version > 0 {
        name.push_str(&format!(" (rev {})", state.version));
    }
    m.insert("name".into(), json!(name));
    m.insert(
        "updated_at".into(),
        json!(format_minutes(state.updated_min)),
    );
    match (kind, shape) {
        (ResourceKind::Analytics, _) => analytics_fields(&mut m, id, h),
        (ResourceKind::Social, _) => social_fields(&mut m, id, h),
        (ResourceKind::Inventory, Shape::Wide) => inventory_fields(&mut m, id, h, state.version),
        (ResourceKind::Inventory, Shape::Drifted) => {
            inventory_fields(&mut m, id, h, state.version);
            if id.is_multiple_of(2) {
                m.insert("ratio".into(), json!("n/a"));
            }
            m.insert("warranty_months".into(), json!(id % 24));
        }
        (ResourceKind::Inventory, Shape::Seed) => seed_fields(&mut m, id, h, state.version),
    }
    if state.deleted {
        m.insert("deleted".into(), json!(true));
    }
    Value::Object(m)
}

fn analytics_fields(m: &mut Map<String, Value>, id: u64, h: u64) {
    let event = epoch() - ChronoDuration::days(31) + ChronoDuration::seconds(id as i64 * 37);
    m.insert("customer_id".into(), json!(format!("cust-{:03}", h % 1000)));
    m.insert(
        "event_timestamp".into(),
        json!(event.to_rfc3339_opts(SecondsFormat::Secs, true)),
    );
    // Multiples of 1/8 are exact in binary, so values compare exactly after a round trip.
    let value = if id.is_multiple_of(7) {
        Value::Null
    } else {
        json!((h % 100_000) as f64 / 8.0 + 0.125)
    };
    m.insert("value".into(), value);
    m.insert(
        "data".into(),
        json!({
            "clicks": (h >> 16) % 1000,
            "source": pick(&SOURCES, h >> 24),
            "geo": {"country": pick(&COUNTRIES, h >> 32)},
        }),
    );
    m.insert("tags".into(), tags(id, h));
}

fn social_fields(m: &mut Map<String, Value>, id: u64, h: u64) {
    let at = epoch() - ChronoDuration::days(200) + ChronoDuration::minutes(id as i64 * 13);
    m.insert(
        "timestamp".into(),
        json!(at.to_rfc3339_opts(SecondsFormat::Secs, true)),
    );
    m.insert("like_count".into(), json!(h % 10_000));
    let caption = if id.is_multiple_of(7) {
        Value::Null
    } else {
        json!(format!("caption {id} — “quoted” 🎉"))
    };
    m.insert("caption".into(), caption);
}

/// `quantity`: null every 7th record, so nullable columns are exercised; each mutation
/// adds 10 so that a changed record is visible in its numbers too.
fn quantity(id: u64, h: u64, version: u32) -> Value {
    if id.is_multiple_of(7) {
        Value::Null
    } else {
        json!(h % 500 + 10 * u64::from(version))
    }
}

/// The seed shape: the fields the inventory seed declares, plus two small undeclared ones
/// so that loaders still take their "keep undeclared fields" path.
fn seed_fields(m: &mut Map<String, Value>, id: u64, h: u64, version: u32) {
    m.insert("quantity".into(), quantity(id, h, version));
    m.insert("sku".into(), json!(format!("SKU-{id}")));
    m.insert("warehouse".into(), json!(h % 16));
}

fn inventory_fields(m: &mut Map<String, Value>, id: u64, h: u64, version: u32) {
    m.insert("quantity".into(), quantity(id, h, version));
    m.insert(
        "price".into(),
        json!(format!("{}.{:02}", (h >> 9) % 1000, (h >> 19) % 100)),
    );
    m.insert("active".into(), json!(!id.is_multiple_of(3)));
    m.insert("ratio".into(), json!(((h >> 26) % 1024) as f64 / 1024.0));
    let created = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default()
        + ChronoDuration::days((id % 366) as i64);
    m.insert(
        "created_on".into(),
        json!(created.format("%Y-%m-%d").to_string()),
    );
    m.insert(
        "restock_at".into(),
        json!(format!(
            "{:02}:{:02}:00",
            (h >> 36) % 24,
            ((h >> 41) % 4) * 15
        )),
    );
    let blob_bytes = [&id.to_be_bytes()[4..], &h.to_le_bytes()[..3]].concat();
    m.insert(
        "blob".into(),
        json!(base64::engine::general_purpose::STANDARD.encode(blob_bytes)),
    );
    m.insert(
        "attributes".into(),
        json!({
            "color": pick(&COLORS, h >> 44),
            "dims": {"w": (h >> 47) % 100, "h": (h >> 54) % 100},
        }),
    );
    m.insert("tags".into(), tags(id, h));
    // Quotes and a newline every 13th record exercise string escaping end to end.
    let notes = if id.is_multiple_of(13) {
        format!("line one\nline \"two\" of {id}")
    } else {
        format!("note {id}")
    };
    m.insert("notes".into(), json!(notes));
}
