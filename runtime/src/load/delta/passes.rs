//! A merge's keys taken in passes, so its memory is bounded by a number of keys, not by the
//! size of the run.
//!
//! A merge commit needs, per key of the run, its winning row (see `merge`), and per removed
//! root row, its id (see `children`). Held all at once, that is about 50 bytes a key: 52 MB
//! for a run of a million records, 5 GB for a hundred million (a first load of a merge
//! resource holds the API's whole history). Instead the keys are split by their digest into
//! passes of at most `PipelineOptions::delta_keys_per_pass` keys each: each pass reads the key columns again and
//! keeps only its own keys, and what it decides is kept as one bit per row ([`RowSet`]) of
//! the files it reads. A run within one pass's budget is merged in one pass, as before.

use super::merge::Digests;

/// One pass of a merge: the keys whose digest falls in its share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Pass {
    index: u64,
    count: u64,
}

impl Pass {
    /// The passes a merge of about `keys` keys takes, holding at most `per_pass` of them at a
    /// time (0 is taken as 1). A run without record counts (`keys` 0) takes one pass.
    pub(super) fn all(keys: usize, per_pass: usize) -> impl Iterator<Item = Pass> {
        let count = keys.div_ceil(per_pass.max(1)).max(1) as u64;
        (0..count).map(move |index| Pass { index, count })
    }

    /// Whether `key` is this pass's, by a hash seeded at random per commit (see
    /// [`Digests::spread`]): each pass gets about an equal share, and an API cannot choose
    /// keys that all fall in one.
    pub(super) fn takes(self, digests: &Digests, key: &str) -> bool {
        self.count == 1 || digests.spread(key) % self.count == self.index
    }

    /// Whether this is the first pass, which also decides the rows without a key.
    pub(super) fn is_first(self) -> bool {
        self.index == 0
    }

    /// Room to make for this pass's share of `keys` keys: the even share plus a margin the
    /// spread of a hash partition stays within, so the maps sized from it do not grow.
    pub(super) fn share(self, keys: usize) -> usize {
        let even = keys.div_ceil(self.count as usize);
        if self.count == 1 {
            even
        } else {
            even + even / 32 + 64
        }
    }
}

/// A set of row numbers of one file, one bit each: what the passes decided about a file's
/// rows (kept or removed) for the file's rewrite after the last pass.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct RowSet {
    words: Vec<u64>,
    len: usize,
}

impl RowSet {
    /// Adds `row`.
    pub(super) fn insert(&mut self, row: usize) {
        let (word, bit) = (row / 64, row % 64);
        if word >= self.words.len() {
            self.words.resize(word + 1, 0);
        }
        let mask = 1u64 << bit;
        if self.words[word] & mask == 0 {
            self.words[word] |= mask;
            self.len += 1;
        }
    }

    /// Whether `row` is in the set.
    pub(super) fn contains(&self, row: usize) -> bool {
        self.words
            .get(row / 64)
            .is_some_and(|w| w & (1u64 << (row % 64)) != 0)
    }

    /// How many rows the set holds.
    pub(super) fn len(&self) -> usize {
        self.len
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_takes_as_many_passes_as_its_keys_need() {
        let counts = |keys, per| Pass::all(keys, per).count();
        assert_eq!(counts(0, 10), 1);
        assert_eq!(counts(10, 10), 1);
        assert_eq!(counts(11, 10), 2);
        assert_eq!(counts(1_000_000, crate::load::DELTA_KEYS_PER_PASS), 4);
        assert_eq!(counts(3, 0), 3);
        let one = Pass::all(5, 10).next().unwrap();
        assert!(one.is_first());
        assert!(one.takes(&Digests::new(), "7"));
        assert_eq!(one.share(5), 5);
    }

    #[test]
    fn every_key_falls_in_exactly_one_pass_and_each_pass_gets_a_share() {
        let passes: Vec<Pass> = Pass::all(100, 30).collect();
        assert_eq!(passes.len(), 4);
        let digests = Digests::new();
        let mut shares = [0; 4];
        for key in (0..4000).map(|k| k.to_string()) {
            let taking: Vec<usize> = (0..4)
                .filter(|p| passes[*p].takes(&digests, &key))
                .collect();
            assert_eq!(taking.len(), 1, "{key}");
            shares[taking[0]] += 1;
        }
        assert!(shares.iter().all(|n| (800..1200).contains(n)), "{shares:?}");
        assert_eq!(passes.iter().filter(|p| p.is_first()).count(), 1);
        // The even share, a thirty-second of it (none at 25) and 64.
        assert_eq!(passes[1].share(100), 25 + 64);
    }

    #[test]
    fn a_row_set_holds_each_row_once() {
        let mut s = RowSet::default();
        assert_eq!(s.len(), 0);
        for row in [0, 63, 64, 1000, 64] {
            s.insert(row);
        }
        assert_eq!(s.len(), 4);
        assert!(s.contains(0) && s.contains(63) && s.contains(64) && s.contains(1000));
        assert!(!s.contains(1) && !s.contains(999) && !s.contains(100_000));
    }
}
