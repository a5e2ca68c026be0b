//! Corrections of append-only records (정정 기록): a record is never edited; a new record names the
//! one it replaces in `corrects`. Which record of such a chain counts is decided here, once, for
//! every kind of record and every replica.

use std::collections::{HashMap, HashSet};

use super::Id;

/// The ids that count: one per group of records linked by `corrects` — the group's tip, a record no
/// other record corrects. When a group has several tips (two phones corrected the same record
/// offline), the one with the greatest id counts, so the delivery or report is never counted twice.
///
/// The chain's structure decides, never the ids' time order alone: a correction made on a phone
/// whose clock runs behind still replaces the record it corrects. Every replica gives the same
/// answer whatever order the records arrived in. A correction whose original has not arrived yet
/// counts on its own; a malformed cycle (records correcting each other) counts once, by greatest id.
pub fn current_ids(records: impl IntoIterator<Item = (Id, Option<Id>)>) -> HashSet<Id> {
    let records: Vec<(Id, Option<Id>)> = records.into_iter().collect();
    let index: HashMap<Id, usize> = records
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (*id, i))
        .collect();
    let mut parent: Vec<usize> = (0..records.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for (i, (_, corrects)) in records.iter().enumerate() {
        if let Some(j) = corrects.and_then(|c| index.get(&c).copied()) {
            let (a, b) = (root(&mut parent, i), root(&mut parent, j));
            parent[a] = b;
        }
    }
    let corrected: HashSet<Id> = records.iter().filter_map(|(_, c)| *c).collect();
    // Per group: (is a tip, id) — a tip beats any non-tip, then the greater id.
    let mut best: HashMap<usize, (bool, Id)> = HashMap::new();
    for (i, (id, _)) in records.iter().enumerate() {
        let g = root(&mut parent, i);
        let candidate = (!corrected.contains(id), *id);
        let b = best.entry(g).or_insert(candidate);
        if candidate > *b {
            *b = candidate;
        }
    }
    best.into_values().map(|(_, id)| id).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn ids(pairs: &[(u128, Option<u128>)]) -> Vec<u128> {
        let mut v: Vec<u128> = current_ids(
            pairs
                .iter()
                .map(|(a, b)| (Uuid::from_u128(*a), b.map(Uuid::from_u128))),
        )
        .into_iter()
        .map(|u| u.as_u128())
        .collect();
        v.sort();
        v
    }

    #[test]
    fn the_latest_of_each_chain_counts() {
        assert_eq!(
            ids(&[(1, None), (2, Some(1)), (3, Some(2)), (4, None)]),
            vec![3, 4]
        );
    }

    #[test]
    fn two_corrections_of_one_record_count_once_whatever_the_order() {
        let mut pairs = vec![(1, None), (7, Some(1)), (6, Some(1)), (8, Some(6))];
        assert_eq!(ids(&pairs), vec![8]);
        pairs.reverse();
        assert_eq!(ids(&pairs), vec![8]);
    }

    #[test]
    fn a_correction_counts_even_when_its_id_sorts_before_the_original() {
        // Made on a phone whose clock runs behind: its UUID v7 is older than the original's.
        assert_eq!(ids(&[(5, None), (3, Some(5))]), vec![3]);
        assert_eq!(ids(&[(5, None), (3, Some(5)), (4, Some(3))]), vec![4]);
        // Two offline corrections of 5: the tips 3 and 2; the greater id counts.
        assert_eq!(ids(&[(5, None), (3, Some(5)), (2, Some(5))]), vec![3]);
    }

    #[test]
    fn records_correcting_each_other_count_once() {
        assert_eq!(ids(&[(1, Some(2)), (2, Some(1))]), vec![2]);
    }

    #[test]
    fn a_correction_whose_original_has_not_arrived_counts_alone() {
        assert_eq!(ids(&[(9, Some(1))]), vec![9]);
    }
}
