//! The `response_id`s an import has seen, to find one that repeats, in far less memory than
//! the ids themselves.

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};

/// How many ids are kept in the hash map before they are merged into the sorted list: small
/// enough that the map stays a few megabytes, large enough that merges are rare.
const RECENT: usize = 1 << 16;

/// Each id seen as a 64-bit fingerprint with the row it is on: 16 bytes a row where the id
/// (36 bytes for fieldwork's own) in a `HashMap<String, u64>` took about 100. Two different
/// ids share a fingerprint with odds of about n²/2⁶⁵, one in 37 million for a million rows;
/// they would be reported as a repeat.
///
/// The latest ids sit in a small hash map, and every [`RECENT`] of them are merged into one
/// sorted list, which binary search answers from: a lookup is a hash probe and a binary
/// search, and the memory is the list's, with no table of empty buckets that doubles.
#[derive(Debug, Default)]
pub(super) struct SeenIds {
    /// Sorted by fingerprint; no fingerprint twice.
    sealed: Vec<(u64, u64)>,
    recent: HashMap<u64, u64>,
}

impl SeenIds {
    /// Note `id` as on `row`: the row it was first seen on if it was seen before, else `None`.
    pub(super) fn first_row(&mut self, id: &str, row: u64) -> Option<u64> {
        let fingerprint = fingerprint(id);
        if let Some(&first) = self.recent.get(&fingerprint) {
            return Some(first);
        }
        if let Ok(at) = self.sealed.binary_search_by_key(&fingerprint, |&(f, _)| f) {
            return Some(self.sealed[at].1);
        }
        self.recent.insert(fingerprint, row);
        if self.recent.len() >= RECENT {
            self.seal();
        }
        None
    }

    /// Merge the recent ids into the sorted list, in place from the back: no second list.
    fn seal(&mut self) {
        let mut run: Vec<(u64, u64)> = self.recent.drain().collect();
        run.sort_unstable();
        let old = self.sealed.len();
        self.sealed.resize(old + run.len(), (0, 0));
        let (mut from_old, mut from_run) = (old, run.len());
        for to in (0..self.sealed.len()).rev() {
            if from_run == 0 {
                break;
            }
            if from_old > 0 && self.sealed[from_old - 1].0 > run[from_run - 1].0 {
                from_old -= 1;
                self.sealed[to] = self.sealed[from_old];
            } else {
                from_run -= 1;
                self.sealed[to] = run[from_run];
            }
        }
    }
}

/// A fixed hash (SipHash with zero keys): the same id always has the same fingerprint.
fn fingerprint(id: &str) -> u64 {
    BuildHasherDefault::<DefaultHasher>::default().hash_one(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_id_gives_the_row_it_was_first_on_across_merges() {
        let mut seen = SeenIds::default();
        let rows = 3 * RECENT as u64 + 17;
        for row in 2..rows {
            assert_eq!(seen.first_row(&format!("id-{row}"), row), None, "row {row}");
        }
        assert!(seen.sealed.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(seen.sealed.len() + seen.recent.len(), (rows - 2) as usize);
        // Ids from the sorted list and from the recent map alike.
        assert_eq!(seen.first_row("id-2", rows), Some(2));
        assert_eq!(seen.first_row("id-70000", rows + 1), Some(70_000));
        assert_eq!(
            seen.first_row(&format!("id-{}", rows - 1), rows + 2),
            Some(rows - 1)
        );
        // A repeat is not recorded again: the first row stays the answer.
        assert_eq!(seen.first_row("id-2", rows + 3), Some(2));
        assert_eq!(seen.first_row("new", rows + 4), None);
    }
}
