//! Which stored files a merge may skip without reading them: a file whose statistics (each
//! column's minimum and maximum, in the Delta log) hold none of the run's values of some key
//! column cannot hold a row with one of the run's keys.
//!
//! Integer key columns are compared as integers. Text key columns (string ids such as
//! `cus_9Xk2…`, as many APIs have) are compared by their first 16 bytes, as a big-endian
//! `u128`:
//! - Writers may cut a long text's statistics off: parquet after 64 bytes (raising the
//!   maximum's last character), Spark after 32 characters. A bound cut after 16 bytes or more
//!   has the same first 16 bytes as the value it stands for, so it still bounds them.
//! - The first 16 bytes keep the order of the texts (`a <= b` gives `prefix(a) <=
//!   prefix(b)`), so a run value within a file's range has its prefix within the range of
//!   the bounds' prefixes. Keys sharing their first 16 bytes are simply not told apart.
//! - Only bounds that are ASCII are used: Spark orders texts by UTF-16 units, parquet by
//!   UTF-8 bytes. The two orders differ only between non-ASCII characters, so a value and an
//!   ASCII bound compare the same way in both.
//!
//! Date and timestamp key columns (a `merge_key` on the day a row belongs to, as an
//! incremental load that replaces whole days has) are compared as days and as microseconds
//! since 1970. Writers keep timestamp statistics to the millisecond (the Delta protocol;
//! delta-rs and Spark cut the rest off, the maximum too), so a file's range is widened by a
//! second on each side: a value just past a cut-off maximum is still read.
//!
//! A merge key (delete-insert's `merge_key`) rules files out the same way: a stored row is
//! replaced when its primary key or its merge key is among the run's, so a file is skipped
//! when its statistics rule out both.
//!
//! The run's values cost 8 bytes (integers, dates, timestamps) or 16 bytes (texts) a key,
//! sorted once.

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use deltalake::arrow::datatypes::DataType as ArrowType;

/// How far a file's timestamp range is widened on each side, in microseconds: more than the
/// millisecond its statistics may have lost.
const TIMESTAMP_SLACK: i64 = 1_000_000;

/// A key column's values in the run, sorted and without repeats, in the form a file's
/// statistics are compared with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Values {
    /// An integer column's values.
    Ints(Vec<i64>),
    /// A text column's values, each by its first 16 bytes ([`prefix`]).
    Prefixes(Vec<u128>),
    /// A date column's values, as days since 1970-01-01 ([`days`]).
    Days(Vec<i64>),
    /// A timestamp column's values, as microseconds since 1970 ([`micros`]).
    Micros(Vec<i64>),
}

impl Values {
    fn is_empty(&self) -> bool {
        match self {
            Values::Ints(v) | Values::Days(v) | Values::Micros(v) => v.is_empty(),
            Values::Prefixes(v) => v.is_empty(),
        }
    }
}

/// What the run's keys hold in one key column so far.
#[derive(Debug)]
enum Noted {
    /// No key has been noted yet.
    Nothing,
    /// Values of a column of this kind.
    Values(Values),
    /// The column cannot rule a file out: a part that is not of its kind (a u64 beyond i64,
    /// a column of another type, or of two types in two run files).
    Unusable,
}

/// The kind of a key column in a run file, from its Arrow type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// A signed or unsigned integer column.
    Int,
    /// A UTF-8 text column.
    Text,
    /// A date column.
    Date,
    /// A timestamp column, with or without a time zone.
    Timestamp,
    /// Any other type: its statistics are not used.
    Other,
}

impl Kind {
    /// The kind of a column of Arrow type `t` (`None`: the file lacks the column).
    pub(super) fn of(t: Option<&ArrowType>) -> Self {
        match t {
            Some(t) if t.is_integer() => Kind::Int,
            Some(ArrowType::Utf8 | ArrowType::LargeUtf8 | ArrowType::Utf8View) => Kind::Text,
            Some(ArrowType::Date32 | ArrowType::Date64) => Kind::Date,
            Some(ArrowType::Timestamp(..)) => Kind::Timestamp,
            _ => Kind::Other,
        }
    }
}

/// The run's values per key column, noted key by key while the run's files are read.
#[derive(Debug)]
pub(super) struct KeyRanges {
    columns: Vec<Noted>,
    /// Room for this many values is made at a column's first value (the run's record count).
    capacity: usize,
}

impl KeyRanges {
    /// Ranges of a key of `columns` columns, for a run of about `capacity` records.
    pub(super) fn new(columns: usize, capacity: usize) -> Self {
        KeyRanges {
            columns: (0..columns).map(|_| Noted::Nothing).collect(),
            capacity,
        }
    }

    /// Notes a run key: `key` is its text (the parts joined by `\u{1f}`), `kinds` the kind of
    /// each key column in the file it comes from.
    pub(super) fn note(&mut self, key: &str, kinds: &[Kind]) {
        let mut parts = key.split('\u{1f}');
        for (column, kind) in self.columns.iter_mut().zip(kinds) {
            let Some(part) = parts.next() else {
                *column = Noted::Unusable;
                continue;
            };
            if let Noted::Nothing = column {
                let room = || Vec::with_capacity(self.capacity);
                *column = match kind {
                    Kind::Int => Noted::Values(Values::Ints(room())),
                    Kind::Text => {
                        Noted::Values(Values::Prefixes(Vec::with_capacity(self.capacity)))
                    }
                    Kind::Date => Noted::Values(Values::Days(room())),
                    Kind::Timestamp => Noted::Values(Values::Micros(room())),
                    Kind::Other => Noted::Unusable,
                };
            }
            let value = match (&mut *column, kind) {
                (Noted::Values(Values::Ints(values)), Kind::Int) => (values, part.parse().ok()),
                (Noted::Values(Values::Days(values)), Kind::Date) => (values, days(part)),
                (Noted::Values(Values::Micros(values)), Kind::Timestamp) => (values, micros(part)),
                (Noted::Values(Values::Prefixes(values)), Kind::Text) => {
                    values.push(prefix(part));
                    continue;
                }
                (Noted::Unusable, _) => continue,
                _ => {
                    *column = Noted::Unusable;
                    continue;
                }
            };
            match value {
                (values, Some(v)) => values.push(v),
                (_, None) => *column = Noted::Unusable,
            }
        }
        if parts.next().is_some() {
            // More parts than columns: a key text holding the separator; prune by nothing.
            self.columns.iter_mut().for_each(|c| *c = Noted::Unusable);
        }
    }

    /// Each usable key column of `names` (the key's columns, in order) with its values sorted
    /// and without repeats: what a stored file's statistics can rule out (none when no
    /// column qualifies).
    pub(super) fn finish(self, names: &[String]) -> Vec<(String, Values)> {
        names
            .iter()
            .zip(self.columns)
            .filter_map(|(name, noted)| match noted {
                Noted::Values(mut values) => {
                    match &mut values {
                        Values::Ints(v) | Values::Days(v) | Values::Micros(v) => sort(v),
                        Values::Prefixes(v) => sort(v),
                    }
                    Some((name.clone(), values))
                }
                // No run key had a value in it: no stored row can match.
                Noted::Nothing => Some((name.clone(), Values::Ints(Vec::new()))),
                Noted::Unusable => None,
            })
            .collect()
    }
}

fn sort<T: Ord>(values: &mut Vec<T>) {
    values.sort_unstable();
    values.dedup();
}

/// A text's first 16 bytes as a big-endian number, zero-padded: `a <= b` gives
/// `prefix(a) <= prefix(b)`.
pub(super) fn prefix(text: &str) -> u128 {
    let mut bytes = [0u8; 16];
    let n = text.len().min(16);
    bytes[..n].copy_from_slice(&text.as_bytes()[..n]);
    u128::from_be_bytes(bytes)
}

/// What can rule a stored file out of a merge: the run's values of its primary key's columns
/// and of its merge key's. A stored row is replaced when its primary key is one of the run's
/// keys or its merge key one of the run's merge keys, so a file is skipped only when its
/// statistics rule out both.
#[derive(Debug)]
pub(super) struct Prune {
    /// Per key: `None` when the resource has no such key (it matches no stored row), else the
    /// columns whose values can rule a file out (none: it cannot be ruled out).
    keys: [Option<Vec<(String, Values)>>; 2],
}

impl Prune {
    /// From the run's primary key values (`keys`, of the columns `key_names`) and merge key
    /// values (`merge_keys`, of `merge_key_names`).
    pub(super) fn new(
        keys: KeyRanges,
        key_names: &[String],
        merge_keys: KeyRanges,
        merge_key_names: &[String],
    ) -> Self {
        let of =
            |ranges: KeyRanges, names: &[String]| (!names.is_empty()).then(|| ranges.finish(names));
        Prune {
            keys: [of(keys, key_names), of(merge_keys, merge_key_names)],
        }
    }

    /// Whether a stored file with statistics `stats` may hold a row the run replaces. The
    /// statistics are parsed at most once, and only when some key's values can use them.
    pub(super) fn may_hold(&self, stats: Option<&str>) -> bool {
        let mut parsed: Option<Option<serde_json::Value>> = None;
        self.keys.iter().flatten().any(|columns| {
            if columns.is_empty() || columns.iter().any(|(_, values)| values.is_empty()) {
                // No usable column: the file cannot be ruled out; a column without run
                // values: no stored row can match this key.
                return columns.is_empty();
            }
            let stats = parsed.get_or_insert_with(|| {
                stats.and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
            });
            stats.as_ref().is_none_or(|stats| in_range(stats, columns))
        })
    }
}

/// Whether a stored file with statistics `stats` (the Delta log's JSON) may hold a row with
/// one of the run's keys: not when, for some column of `columns`, none of the run's values
/// lies within the file's minimum and maximum of it (a matching row has each of its key's
/// values within them). `true` whenever the statistics cannot tell.
fn in_range(stats: &serde_json::Value, columns: &[(String, Values)]) -> bool {
    columns.iter().all(|(column, values)| {
        let bound = |which: &str| stats.get(which)?.get(column);
        let (Some(min), Some(max)) = (bound("minValues"), bound("maxValues")) else {
            return true;
        };
        match values {
            Values::Ints(sorted) => match (min.as_i64(), max.as_i64()) {
                (Some(min), Some(max)) => any_within(sorted, min, max),
                _ => true,
            },
            Values::Prefixes(sorted) => {
                let ascii = |v: &serde_json::Value| v.as_str().filter(|s| s.is_ascii()).map(prefix);
                match (ascii(min), ascii(max)) {
                    (Some(min), Some(max)) => any_within(sorted, min, max),
                    _ => true,
                }
            }
            Values::Days(sorted) => {
                match (min.as_str().and_then(days), max.as_str().and_then(days)) {
                    (Some(min), Some(max)) => any_within(sorted, min, max),
                    _ => true,
                }
            }
            Values::Micros(sorted) => {
                match (min.as_str().and_then(micros), max.as_str().and_then(micros)) {
                    (Some(min), Some(max)) => any_within(
                        sorted,
                        min.saturating_sub(TIMESTAMP_SLACK),
                        max.saturating_add(TIMESTAMP_SLACK),
                    ),
                    _ => true,
                }
            }
        }
    })
}

/// Days since 1970-01-01 of a date's text: `2024-05-01` (what Arrow casts a date to and a
/// Delta log's statistics hold), or the date part of a longer text.
fn days(text: &str) -> Option<i64> {
    let date = NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d").ok()?;
    Some(date.signed_duration_since(NaiveDate::default()).num_days())
}

/// Microseconds since 1970 of a timestamp's text: RFC 3339 with an offset or `Z` (a time
/// zone's timestamps: Arrow's cast, the Delta log), or without one (timestamps without a
/// time zone, read as UTC on both sides), with `T` or a space between date and time.
fn micros(text: &str) -> Option<i64> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.timestamp_micros());
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .map(|t| t.and_utc().timestamp_micros())
}

/// Whether one of `sorted` lies within `min..=max`: the first value not below `min`, if any,
/// is not above `max`.
fn any_within<T: Ord + Copy>(sorted: &[T], min: T, max: T) -> bool {
    let i = sorted.partition_point(|k| *k < min);
    sorted.get(i).is_some_and(|k| *k <= max)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file with statistics `stats` against the run's values of one key's `columns`, as a
    /// merge without a merge key decides it.
    fn may_hold(stats: Option<&str>, columns: &[(String, Values)]) -> bool {
        let prune = Prune {
            keys: [Some(columns.to_vec()), None],
        };
        prune.may_hold(stats)
    }

    fn ranges(kinds: &[Kind], keys: &[&str]) -> Vec<(String, Values)> {
        let names: Vec<String> = ["id", "k"][..kinds.len()]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mut r = KeyRanges::new(kinds.len(), keys.len());
        for k in keys {
            r.note(k, kinds);
        }
        r.finish(&names)
    }

    fn id(values: Values) -> (String, Values) {
        ("id".to_string(), values)
    }

    #[test]
    fn file_statistics_rule_out_only_files_without_a_run_key_in_their_range() {
        let stats = r#"{"numRecords":3,"minValues":{"id":10,"k":5,"name":"a"},"maxValues":{"id":20,"k":6,"name":"z"},"nullCount":{"id":0}}"#;
        let ids = |keys: &[i64]| vec![id(Values::Ints(keys.to_vec()))];
        let may = |keys: &[i64]| may_hold(Some(stats), &ids(keys));
        assert!(may(&[10]));
        assert!(may(&[20]));
        assert!(may(&[1, 15, 99]));
        assert!(!may(&[1, 9, 21, 99]));
        assert!(!may(&[]));
        // A key of two columns: ruled out when either column's values miss the file's range.
        let two = |id: &[i64], k: &[i64]| {
            may_hold(
                Some(stats),
                &[
                    ("id".to_string(), Values::Ints(id.to_vec())),
                    ("k".to_string(), Values::Ints(k.to_vec())),
                ],
            )
        };
        assert!(two(&[15], &[6]));
        assert!(!two(&[15], &[7]));
        assert!(!two(&[30], &[5]));
        // Whatever the statistics cannot tell is read.
        assert!(may_hold(None, &ids(&[1])));
        assert!(may_hold(
            Some(stats),
            &[("name".to_string(), Values::Ints(vec![1]))]
        ));
        assert!(may_hold(Some(r#"{"numRecords":3}"#), &ids(&[1])));
        assert!(may_hold(Some("not json"), &ids(&[1])));
    }

    #[test]
    fn text_keys_are_compared_with_a_files_range_by_their_first_16_bytes() {
        let stats = r#"{"minValues":{"id":"cus_b","n":5},"maxValues":{"id":"cus_d","n":6}}"#;
        let may = |keys: &[&str]| may_hold(Some(stats), &ranges(&[Kind::Text], keys));
        assert!(may(&["cus_b"]));
        assert!(may(&["cus_d"]));
        assert!(may(&["cus_c9"]));
        assert!(may(&["a", "cus_bb", "z"]));
        assert!(!may(&["cus_a", "cus_d0", "cus_e"]));
        // A bound cut off after 16 bytes bounds the longer texts it stands for.
        let cut =
            r#"{"minValues":{"id":"item-0000000000000"},"maxValues":{"id":"item-0000000000099"}}"#;
        let may_cut = |keys: &[&str]| may_hold(Some(cut), &ranges(&[Kind::Text], keys));
        assert!(may_cut(&["item-0000000000099-with-a-long-tail"]));
        assert!(may_cut(&["item-00000000000999"]), "equal first 16 bytes");
        assert!(!may_cut(&["item-0000000001000"]));
        // Non-ASCII bounds (other writers order them otherwise) and numbers tell nothing.
        for other in [
            r#"{"minValues":{"id":"a"},"maxValues":{"id":"\u00e9"}}"#,
            r#"{"minValues":{"id":1},"maxValues":{"id":2}}"#,
        ] {
            assert!(may_hold(Some(other), &ranges(&[Kind::Text], &["zz"])));
        }
        // Non-ASCII keys are compared by their bytes against ASCII bounds.
        assert!(!may(&["\u{e9}"]));
    }

    #[test]
    fn a_prefix_keeps_the_order_of_texts() {
        let mut texts = vec![
            "",
            "a",
            "a\u{0}",
            "ab",
            "abcdefghijklmnop",
            "abcdefghijklmnopq",
            "b",
            "\u{e9}",
            "\u{10000}",
        ];
        texts.sort();
        let prefixes: Vec<u128> = texts.iter().map(|t| prefix(t)).collect();
        assert!(prefixes.windows(2).all(|w| w[0] <= w[1]), "{texts:?}");
        assert_eq!(prefix("abcdefghijklmnop"), prefix("abcdefghijklmnopq"));
        assert!(prefix("a") < prefix("b"));
    }

    #[test]
    fn each_key_column_is_pruned_by_the_values_of_its_kind() {
        let ints = |v: &[i64]| Values::Ints(v.to_vec());
        assert_eq!(
            ranges(&[Kind::Int], &["3", "1", "2"]),
            vec![id(ints(&[1, 2, 3]))]
        );
        assert_eq!(ranges(&[Kind::Int], &["3", "x"]), vec![]);
        assert_eq!(ranges(&[Kind::Int], &["18446744073709551615"]), vec![]);
        assert_eq!(ranges(&[Kind::Other], &["3"]), vec![]);
        // Noted per run row: a key repeated in the run is one value.
        assert_eq!(
            ranges(&[Kind::Int], &["3", "1", "3"]),
            vec![id(ints(&[1, 3]))]
        );
        assert_eq!(
            ranges(&[Kind::Text], &["b", "a", "b"]),
            vec![id(Values::Prefixes(vec![prefix("a"), prefix("b")]))]
        );
        // Of a key of two columns, each column on its own.
        assert_eq!(
            ranges(&[Kind::Int, Kind::Other], &["3\u{1f}a", "1\u{1f}b"]),
            vec![id(ints(&[1, 3]))]
        );
        assert_eq!(
            ranges(&[Kind::Int, Kind::Int], &["3\u{1f}7", "1\u{1f}5"]),
            vec![id(ints(&[1, 3])), ("k".to_string(), ints(&[5, 7]))]
        );
        // A key text holding the separator prunes by nothing.
        assert_eq!(ranges(&[Kind::Int], &["1", "2\u{1f}3"]), vec![]);
        // A column of one kind in one run file and another in the next prunes by nothing.
        let mut r = KeyRanges::new(1, 2);
        r.note("1", &[Kind::Int]);
        r.note("1", &[Kind::Text]);
        assert_eq!(r.finish(&["id".to_string()]), vec![]);
    }

    #[test]
    fn a_file_is_skipped_only_when_both_keys_rule_it_out() {
        let stats = r#"{"minValues":{"id":1,"name":"a"},"maxValues":{"id":2,"name":"b"}}"#;
        let names = |n: &str| vec![n.to_string()];
        let prune = |ids: &[&str], merge_keys: &[&str]| {
            let mut keys = KeyRanges::new(1, 1);
            ids.iter().for_each(|k| keys.note(k, &[Kind::Int]));
            let mut merge = KeyRanges::new(1, 1);
            merge_keys.iter().for_each(|k| merge.note(k, &[Kind::Text]));
            Prune::new(keys, &names("id"), merge, &names("name")).may_hold(Some(stats))
        };
        assert!(!prune(&["5"], &["c"]));
        assert!(prune(&["5"], &["b"]));
        assert!(prune(&["2"], &["c"]));
        // No values of a key noted (no run row had it): that key rules nothing in.
        assert!(!prune(&[], &["c"]));
        // A merge key of a column that cannot prune: every file is read.
        let mut merge = KeyRanges::new(1, 1);
        merge.note("x", &[Kind::Other]);
        let only_ids = Prune::new(KeyRanges::new(1, 1), &names("id"), merge, &names("name"));
        assert!(only_ids.may_hold(Some(stats)));
        // Without a merge key, the primary key alone decides; without any key, nothing is read.
        let mut keys = KeyRanges::new(1, 1);
        keys.note("5", &[Kind::Int]);
        assert!(!Prune::new(keys, &names("id"), KeyRanges::new(0, 0), &[]).may_hold(Some(stats)));
        let none = Prune::new(KeyRanges::new(0, 0), &[], KeyRanges::new(0, 0), &[]);
        assert!(!none.may_hold(Some(stats)));
    }

    /// Soundness over random data: a file holding one of the run's keys is never skipped,
    /// whether its text bounds are exact, cut off plainly after 32 characters (the Delta
    /// protocol's "cut off at a fixed prefix length"), or cut after 64 bytes with the
    /// maximum's last character raised (parquet).
    #[test]
    fn a_file_holding_a_run_key_is_never_skipped() {
        use rand::{rngs::StdRng, Rng, SeedableRng};
        let alphabet = [
            'a',
            'b',
            'z',
            'A',
            '0',
            '9',
            '_',
            '-',
            'é',
            '漢',
            '\u{10000}',
        ];
        let mut rng = StdRng::seed_from_u64(20);
        let text = |rng: &mut StdRng| -> String {
            let ascii_only = rng.gen_bool(0.7);
            let len = rng.gen_range(0..90);
            (0..len)
                .map(|_| alphabet[rng.gen_range(0..if ascii_only { 8 } else { 11 })])
                .collect()
        };
        let cut = |s: &str, chars: usize| s.chars().take(chars).collect::<String>();
        let raised = |s: &str| -> String {
            let mut b: Vec<u8> = s.as_bytes().to_vec();
            if b.len() <= 64 {
                return s.to_string();
            }
            b.truncate(64);
            while !b.is_empty() && std::str::from_utf8(&b).is_err() {
                b.pop();
            }
            let mut t = String::from_utf8(b).unwrap_or_default();
            match t.pop().and_then(|c| char::from_u32(c as u32 + 1)) {
                Some(c) => t.push(c),
                None => return s.to_string(),
            }
            t
        };
        for _ in 0..3000 {
            let file: Vec<String> = (0..rng.gen_range(1..6)).map(|_| text(&mut rng)).collect();
            let mut run: Vec<String> = (0..rng.gen_range(0..6)).map(|_| text(&mut rng)).collect();
            let holds = rng.gen_bool(0.5);
            if holds {
                run.push(file[rng.gen_range(0..file.len())].clone());
            }
            let (min, max) = (
                file.iter().min().cloned().unwrap_or_default(),
                file.iter().max().cloned().unwrap_or_default(),
            );
            let (min, max) = match rng.gen_range(0..3) {
                0 => (min, max),
                1 => (cut(&min, 32), cut(&max, 32)),
                _ => (cut(&min, 16), raised(&max)),
            };
            let stats =
                serde_json::json!({"minValues": {"id": min}, "maxValues": {"id": max}}).to_string();
            let keys: Vec<&str> = run.iter().map(String::as_str).collect();
            let may = may_hold(Some(&stats), &ranges(&[Kind::Text], &keys));
            let held = run.iter().any(|k| file.contains(k));
            assert!(
                may || !held,
                "skipped a file holding a run key: {file:?} {run:?} {stats}"
            );
        }
        // Integers, exact bounds.
        for _ in 0..3000 {
            let file: Vec<i64> = (0..rng.gen_range(1..6))
                .map(|_| rng.gen_range(-50..50))
                .collect();
            let run: Vec<String> = (0..rng.gen_range(0..6))
                .map(|_| rng.gen_range(-60..60).to_string())
                .collect();
            let stats = serde_json::json!({
                "minValues": {"id": file.iter().min()},
                "maxValues": {"id": file.iter().max()},
            })
            .to_string();
            let keys: Vec<&str> = run.iter().map(String::as_str).collect();
            let held = run.iter().any(|k| file.iter().any(|v| v.to_string() == *k));
            let may = may_hold(Some(&stats), &ranges(&[Kind::Int], &keys));
            assert!(may || !held, "{file:?} {run:?}");
            // And the range rules out exactly what lies outside it.
            let within = run
                .iter()
                .filter_map(|k| k.parse::<i64>().ok())
                .any(|k| (file.iter().min() <= Some(&k)) && (Some(&k) <= file.iter().max()));
            assert_eq!(may, within, "{file:?} {run:?}");
        }
    }

    /// The run's values of one key column `id` of `kind`.
    fn one(kind: Kind, keys: &[&str]) -> Vec<(String, Values)> {
        ranges(&[kind], keys)
    }

    #[test]
    fn dates_and_timestamps_are_compared_as_instants() {
        // The statistics as delta-rs writes them.
        let dates = r#"{"minValues":{"id":"2024-05-01"},"maxValues":{"id":"2024-05-03"}}"#;
        let day = |keys: &[&str]| may_hold(Some(dates), &one(Kind::Date, keys));
        assert!(day(&["2024-05-01"]) && day(&["2024-05-02"]) && day(&["2024-05-03"]));
        assert!(!day(&["2024-04-30", "2024-05-04", "2023-05-02"]));
        let tz = r#"{"minValues":{"id":"2024-05-01T10:00:00Z"},"maxValues":{"id":"2024-05-01T12:00:00.123Z"}}"#;
        let at = |keys: &[&str]| may_hold(Some(tz), &one(Kind::Timestamp, keys));
        // Past the maximum its statistics cut off to the millisecond: still read.
        assert!(at(&["2024-05-01T12:00:00.123456+00:00"]));
        assert!(at(&["2024-05-01T11:00:00+01:00"]), "10:00 UTC");
        assert!(!at(&["2024-05-01T12:00:02+00:00", "2024-05-01T09:59:58Z"]));
        let naive = r#"{"minValues":{"id":"2024-05-01 10:00:00"},"maxValues":{"id":"2024-05-01 12:00:00.123"}}"#;
        let local = |keys: &[&str]| may_hold(Some(naive), &one(Kind::Timestamp, keys));
        assert!(local(&["2024-05-01T12:00:00.5"]));
        assert!(!local(&["2024-05-01T13:00:00"]));
        // What the statistics or the run's values cannot tell is read.
        let odd = r#"{"minValues":{"id":"May 1st"},"maxValues":{"id":"2024-05-03"}}"#;
        assert!(may_hold(Some(odd), &one(Kind::Date, &["2030-01-01"])));
        assert_eq!(one(Kind::Timestamp, &["yesterday"]), vec![]);
    }

    #[test]
    fn dates_and_timestamps_are_read_from_arrows_text() {
        use deltalake::arrow::array::{
            ArrayRef, Date32Array, StringArray, TimestampMicrosecondArray,
        };
        use deltalake::arrow::compute::cast;
        use std::sync::Arc;
        // 2024-05-01 is day 19,844; 12:00:00.123456 that day is 1,714,564,800,123,456 µs.
        let columns: Vec<(ArrayRef, Values)> = vec![
            (
                Arc::new(Date32Array::from(vec![19_844])),
                Values::Days(vec![19_844]),
            ),
            (
                Arc::new(
                    TimestampMicrosecondArray::from(vec![1_714_564_800_123_456])
                        .with_timezone("UTC"),
                ),
                Values::Micros(vec![1_714_564_800_123_456]),
            ),
            (
                Arc::new(TimestampMicrosecondArray::from(vec![1_714_564_800_123_456])),
                Values::Micros(vec![1_714_564_800_123_456]),
            ),
        ];
        for (array, expected) in columns {
            let kind = Kind::of(Some(array.data_type()));
            let text = cast(&array, &ArrowType::Utf8).unwrap();
            let text = text
                .as_any()
                .downcast_ref::<StringArray>()
                .unwrap()
                .value(0);
            assert_eq!(one(kind, &[text]), vec![id(expected)], "{text}");
        }
    }

    /// Soundness over random timestamps: a file holding one of the run's instants is never
    /// skipped when its statistics are cut off to the millisecond, as delta-rs writes them.
    #[test]
    fn a_file_holding_a_run_instant_is_never_skipped() {
        use rand::{rngs::StdRng, Rng, SeedableRng};
        let mut rng = StdRng::seed_from_u64(24);
        let base = 1_714_564_800_000_000_i64;
        let text = |us: i64| {
            DateTime::from_timestamp_micros(us)
                .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string())
                .unwrap_or_default()
        };
        let stat = |us: i64| {
            let t = DateTime::from_timestamp_millis(us.div_euclid(1000)).unwrap_or_default();
            let format = if us.rem_euclid(1_000_000) < 1000 {
                "%Y-%m-%dT%H:%M:%SZ"
            } else {
                "%Y-%m-%dT%H:%M:%S%.3fZ"
            };
            t.format(format).to_string()
        };
        for _ in 0..3000 {
            let file: Vec<i64> = (0..rng.gen_range(1..5))
                .map(|_| base + rng.gen_range(-5_000_000..5_000_000))
                .collect();
            let mut run: Vec<i64> = (0..rng.gen_range(0..4))
                .map(|_| base + rng.gen_range(-9_000_000..9_000_000))
                .collect();
            if rng.gen_bool(0.5) {
                run.push(file[rng.gen_range(0..file.len())]);
            }
            let (min, max) = (file.iter().min().copied(), file.iter().max().copied());
            let stats = serde_json::json!({
                "minValues": {"id": min.map(stat)},
                "maxValues": {"id": max.map(stat)},
            })
            .to_string();
            let texts: Vec<String> = run.iter().map(|us| text(*us)).collect();
            let keys: Vec<&str> = texts.iter().map(String::as_str).collect();
            let may = may_hold(Some(&stats), &one(Kind::Timestamp, &keys));
            assert!(
                may || !run.iter().any(|k| file.contains(k)),
                "{file:?} {run:?} {stats}"
            );
        }
    }
}
