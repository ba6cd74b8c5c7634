//! The mock API's records as a hand-written loader reads them: serde structs for what the
//! loader knows, decoded on the fetching tasks so the writer thread only binds values.

use std::fmt;
use std::marker::PhantomData;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use rust_decimal::Decimal;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

/// One page of a collection endpoint.
#[derive(Deserialize)]
pub struct Page<T> {
    pub data: Vec<T>,
    pub total: u64,
}

/// A record as the seed spec declares it (`tables = "json"`): the five seed fields typed,
/// `items`' declared columns typed when `ITEMS`, and every other field copied as its raw JSON
/// text into one object (`_rs_extra`), in the record's order: nothing parsed twice.
#[derive(Default)]
pub struct JsonRecord<const ITEMS: bool> {
    pub id: i64,
    pub name: Option<String>,
    pub quantity: Option<i64>,
    pub updated_at: Option<DateTime<Utc>>,
    pub deleted: Option<bool>,
    /// `items`' declared columns (`specs/inventory.toml`).
    pub items: ItemsColumns,
    /// `{"key":raw,...}`, empty when the record has no other field.
    pub extra: String,
}

/// The columns `specs/inventory.toml` declares for `items`, with the types it declares.
#[derive(Default)]
pub struct ItemsColumns {
    pub price: Option<Decimal>,
    pub active: Option<bool>,
    pub ratio: Option<f64>,
    pub created_on: Option<NaiveDate>,
    pub restock_at: Option<NaiveTime>,
    pub blob: Option<Vec<u8>>,
    pub attributes: Option<Box<RawValue>>,
    pub tags: Option<Box<RawValue>>,
}

impl<'de, const ITEMS: bool> Deserialize<'de> for JsonRecord<ITEMS> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(JsonVisitor::<ITEMS>(PhantomData))
    }
}

struct JsonVisitor<const ITEMS: bool>(PhantomData<()>);

impl<'de, const ITEMS: bool> Visitor<'de> for JsonVisitor<ITEMS> {
    type Value = JsonRecord<ITEMS>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an inventory record")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut r = JsonRecord::<ITEMS>::default();
        let mut id = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "id" => id = Some(map.next_value()?),
                "name" => r.name = map.next_value()?,
                "quantity" => r.quantity = map.next_value()?,
                "updated_at" => r.updated_at = map.next_value()?,
                "deleted" => r.deleted = map.next_value()?,
                "price" if ITEMS => r.items.price = map.next_value()?,
                "active" if ITEMS => r.items.active = map.next_value()?,
                "ratio" if ITEMS => r.items.ratio = map.next_value()?,
                "created_on" if ITEMS => r.items.created_on = map.next_value()?,
                "restock_at" if ITEMS => r.items.restock_at = map.next_value()?,
                "blob" if ITEMS => {
                    let text: Option<&str> = map.next_value()?;
                    r.items.blob = text
                        .map(base64_decode)
                        .transpose()
                        .map_err(de::Error::custom)?;
                }
                "attributes" if ITEMS => r.items.attributes = Some(map.next_value()?),
                "tags" if ITEMS => r.items.tags = Some(map.next_value()?),
                other => {
                    let raw: &'de RawValue = map.next_value()?;
                    r.extra.push(if r.extra.is_empty() { '{' } else { ',' });
                    push_json_string(&mut r.extra, other);
                    r.extra.push(':');
                    r.extra.push_str(raw.get());
                }
            }
        }
        if !r.extra.is_empty() {
            r.extra.push('}');
        }
        r.id = id.ok_or_else(|| de::Error::missing_field("id"))?;
        Ok(r)
    }
}

/// `s` as a JSON string: quoted, escaping only when needed (keys rarely need it).
fn push_json_string(out: &mut String, s: &str) {
    if s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        out.push_str(&serde_json::Value::from(s).to_string());
    } else {
        out.push('"');
        out.push_str(s);
        out.push('"');
    }
}

fn base64_decode(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(text)
}

/// A wide inventory record, every field typed, for dlt's normalized tables: nested objects
/// flatten into `attributes__*` columns and `tags` becomes the `<table>__tags` child table.
#[derive(Deserialize)]
pub struct WideRecord {
    pub id: i64,
    pub name: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
    pub quantity: Option<i64>,
    pub price: Option<String>,
    pub active: Option<bool>,
    pub ratio: Option<f64>,
    pub created_on: Option<String>,
    pub restock_at: Option<String>,
    pub blob: Option<String>,
    pub attributes: Option<Attributes>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub notes: Option<String>,
    pub deleted: Option<bool>,
}

/// An `items` record for dlt's tables: the columns `specs/inventory.toml` declares for `items`
/// typed as declared, `attributes` and `tags` (declared `json`) kept whole as raw JSON text.
#[derive(Deserialize)]
pub struct WideItem {
    pub id: i64,
    pub name: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
    pub quantity: Option<i64>,
    pub price: Option<Decimal>,
    pub active: Option<bool>,
    pub ratio: Option<f64>,
    pub created_on: Option<NaiveDate>,
    pub restock_at: Option<NaiveTime>,
    #[serde(default, deserialize_with = "base64_bytes")]
    pub blob: Option<Vec<u8>>,
    pub attributes: Option<Box<RawValue>>,
    pub tags: Option<Box<RawValue>>,
    pub notes: Option<String>,
    pub deleted: Option<bool>,
}

fn base64_bytes<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
    let text: Option<std::borrow::Cow<'de, str>> = Deserialize::deserialize(d)?;
    text.map(|t| base64_decode(&t))
        .transpose()
        .map_err(de::Error::custom)
}

#[derive(Deserialize)]
pub struct Attributes {
    pub color: Option<String>,
    pub dims: Option<Dims>,
}

#[derive(Deserialize)]
pub struct Dims {
    pub w: Option<i64>,
    pub h: Option<i64>,
}
