//! Corrections of append-only records (정정 기록): a record is never edited; a new record names the
//! one it replaces in `corrects`. Which record of such a chain counts is decided here, once, for
//! every kind of record and every replica.

use std::collections::{HashMap, HashSet};

use super::Id;

/// The ids that count: one per group of records linked by `corrects` — the greatest id of the group
/// (ids are UUID v7, time-ordered where they were written).
///
/// Taking whole groups rather than "records nobody corrects" keeps two corrections of the same
/// record, made offline on two phones, from counting it twice, and gives every replica the same
/// answer whatever order the records arrived in. A correction whose original has not arrived yet
/// counts on its own.
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
    let mut latest: HashMap<usize, Id> = HashMap::new();
    for (i, (id, _)) in records.iter().enumerate() {
        let g = root(&mut parent, i);
        let best = latest.entry(g).or_insert(*id);
        if *id > *best {
            *best = *id;
        }
    }
    latest.into_values().collect()
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
    fn a_correction_whose_original_has_not_arrived_counts_alone() {
        assert_eq!(ids(&[(9, Some(1))]), vec![9]);
    }
}
