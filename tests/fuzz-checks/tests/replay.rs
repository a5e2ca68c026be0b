//! Every fuzz target over its committed seeds, then over mutants of them: bytes flipped, ranges
//! deleted, duplicated or cut off, JSON tokens and field names from `fuzz/dict/json.dict` inserted —
//! the mutations libFuzzer starts from, without its coverage guidance (that is what the long runs of
//! fuzz/README.md add). A failing case shrinks to a short list of mutations of one seed.

use donghaeng_fuzz_checks::targets;
use proptest::prelude::*;
use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// The committed seeds of a target, in name order.
fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = fuzz_dir().join("corpus").join(target);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    paths.sort();
    let seeds: Vec<Vec<u8>> = paths
        .iter()
        .map(|p| std::fs::read(p).expect("a seed reads"))
        .collect();
    assert!(!seeds.is_empty(), "no seeds in {}", dir.display());
    seeds
}

/// The dictionary's tokens (`name="value"`, with libFuzzer's `\\`, `\"` and `\xNN` escapes).
fn dictionary() -> Vec<Vec<u8>> {
    let text = std::fs::read_to_string(fuzz_dir().join("dict/json.dict")).expect("dict reads");
    let tokens: Vec<Vec<u8>> = text
        .lines()
        .filter_map(|line| {
            let quoted = line.split_once('=')?.1.trim();
            let inner = quoted.strip_prefix('"')?.strip_suffix('"')?;
            let (mut out, mut bytes) = (Vec::new(), inner.bytes());
            while let Some(b) = bytes.next() {
                if b != b'\\' {
                    out.push(b);
                    continue;
                }
                match bytes.next()? {
                    b'x' => {
                        let hex = [bytes.next()?, bytes.next()?];
                        out.push(u8::from_str_radix(std::str::from_utf8(&hex).ok()?, 16).ok()?);
                    }
                    other => out.push(other),
                }
            }
            Some(out)
        })
        .collect();
    assert!(tokens.len() > 50, "the dictionary lost its tokens");
    tokens
}

/// One mutation; positions and lengths are taken modulo the input's current length.
#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Delete(usize, usize),
    Duplicate(usize, usize),
    Insert(usize, usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(p, b)| Mutation::Flip(p, b)),
        (any::<usize>(), 1usize..16).prop_map(|(p, n)| Mutation::Delete(p, n)),
        (any::<usize>(), 1usize..64).prop_map(|(p, n)| Mutation::Duplicate(p, n)),
        (any::<usize>(), any::<usize>()).prop_map(|(p, t)| Mutation::Insert(p, t)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn apply(mut data: Vec<u8>, mutations: &[Mutation], dict: &[Vec<u8>]) -> Vec<u8> {
    for m in mutations {
        let at = |p: usize, len: usize| if len == 0 { 0 } else { p % len };
        let len = data.len();
        match *m {
            Mutation::Flip(p, b) if len > 0 => data[at(p, len)] ^= b.max(1),
            Mutation::Delete(p, n) if len > 0 => {
                let s = at(p, len);
                data.drain(s..(s + n).min(len));
            }
            Mutation::Duplicate(p, n) if len > 0 => {
                let s = at(p, len);
                let chunk = data[s..(s + n).min(len)].to_vec();
                data.splice(s..s, chunk);
            }
            Mutation::Insert(p, t) => {
                let s = at(p, len + 1);
                data.splice(s..s, dict[t % dict.len()].iter().copied());
            }
            Mutation::Truncate(p) if len > 0 => data.truncate(at(p, len)),
            _ => {}
        }
    }
    data
}

/// The seeds unchanged, then `cases` mutants (each seed 1–5 mutations deep).
fn replay(target: &str, cases: u32, run: fn(&[u8])) {
    let seeds = seeds(target);
    for seed in &seeds {
        run(seed);
    }
    let dict = dictionary();
    let config = ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(which in 0..seeds.len(), mutations in prop::collection::vec(mutation(), 1..6))| {
        run(&apply(seeds[which].clone(), &mutations, &dict));
    });
}

#[test]
fn sync_push_body() {
    replay("sync_push_body", 20_000, targets::sync_push_body);
}

#[test]
fn sync_device_answers() {
    replay("sync_device_answers", 10_000, targets::sync_device_answers);
}

#[test]
fn enrol_bodies() {
    replay("enrol_bodies", 20_000, targets::enrol_bodies);
}

#[test]
fn config_docs() {
    replay("config_docs", 10_000, targets::config_docs);
}

#[test]
fn eligibility_input() {
    replay("eligibility_input", 10_000, targets::eligibility_input);
}

#[test]
fn eligibility_params() {
    // Each table that loads is evaluated 162 times (9 years × 3 households × 6 programs).
    replay("eligibility_params", 2_000, targets::eligibility_params);
}

#[test]
fn the_mutator_changes_inputs_and_reads_the_dictionary() {
    let dict = dictionary();
    assert!(dict.iter().any(|t| t == b"{"));
    let seed = b"{\"a\":1}".to_vec();
    assert_eq!(
        apply(seed.clone(), &[Mutation::Truncate(3)], &dict),
        b"{\"a"
    );
    assert_eq!(
        apply(seed.clone(), &[Mutation::Delete(0, 2)], &dict),
        b"a\":1}"
    );
    assert_ne!(apply(seed.clone(), &[Mutation::Flip(1, 0)], &dict), seed);
    assert_eq!(apply(Vec::new(), &[Mutation::Insert(5, 0)], &dict), dict[0]);
}
