//! The shells' user-facing text lives in resource files (Android `res/values*/strings.xml`, the
//! shared module's `messages*.properties`, iOS `*.lproj/Localizable.strings`), Korean first with
//! English beside it; the Kotlin and Swift sources hold none. Texts the core composes (errors,
//! labels, advice) come through the facade and are not literals of the shells.
//!
//! This scans the shells' sources for Hangul outside comments. Hangul in comments (a Korean term
//! beside its English name) is welcome.

use std::path::{Path, PathBuf};

/// Source folders of the shells, from the repository root, with the file extension scanned.
const SOURCES: [(&str, &str); 3] = [
    ("android/app/src/main/kotlin", "kt"),
    ("android/shared/src/main/kotlin", "kt"),
    ("ios/Donghaeng", "swift"),
];

fn is_hangul(c: char) -> bool {
    matches!(c, '\u{AC00}'..='\u{D7A3}' | '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}')
}

/// 1-based lines of `source` (Kotlin or Swift) with Hangul in code or in a string literal. Knows
/// line comments, nested block comments, string literals with escapes and triple-quoted strings,
/// so `"http://…"` is a string and `/* "…" */` a comment.
fn hangul_outside_comments(source: &str) -> Vec<usize> {
    #[derive(PartialEq)]
    enum State {
        Code,
        LineComment,
        Block(u32),
        Str,
        RawStr,
    }
    let chars: Vec<char> = source.chars().collect();
    let (mut state, mut line, mut i) = (State::Code, 1, 0);
    let mut hits = Vec::new();
    let at = |i: usize, s: &str| {
        s.chars()
            .enumerate()
            .all(|(k, c)| chars.get(i + k) == Some(&c))
    };
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
        }
        let in_text = matches!(state, State::Code | State::Str | State::RawStr);
        if in_text && is_hangul(c) && hits.last() != Some(&line) {
            hits.push(line);
        }
        let mut step = 1;
        state = match state {
            State::Code if at(i, "//") => State::LineComment,
            State::Code if at(i, "/*") => {
                step = 2;
                State::Block(1)
            }
            State::Code if at(i, "\"\"\"") => {
                step = 3;
                State::RawStr
            }
            State::Code if c == '"' => State::Str,
            State::LineComment if c == '\n' => State::Code,
            State::Block(n) if at(i, "*/") => {
                step = 2;
                if n == 1 {
                    State::Code
                } else {
                    State::Block(n - 1)
                }
            }
            State::Block(n) if at(i, "/*") => {
                step = 2;
                State::Block(n + 1)
            }
            State::Str if c == '\\' => {
                step = 2;
                State::Str
            }
            State::Str if c == '"' || c == '\n' => State::Code,
            State::RawStr if at(i, "\"\"\"") => {
                step = 3;
                State::Code
            }
            s => s,
        };
        if step > 1 && chars.get(i + 1) == Some(&'\n') {
            line += 1;
        }
        i += step;
    }
    hits
}

fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, ext, out);
        } else if p.extension().is_some_and(|x| x == ext) {
            out.push(p);
        }
    }
}

#[test]
fn the_scanner_tells_comments_from_strings() {
    let src = "// 주석\nval a = \"http://x\" // 주석\n/* 바깥 /* 안 */ 아직 */ val b = 1\nval c = \"안녕\"\nval d = \"\"\"\n여러 줄\n\"\"\"\nval e = \"\\\"\" + \"\\\\\" // 끝\n";
    assert_eq!(hangul_outside_comments(src), vec![4, 6]);
}

#[test]
fn shell_sources_hold_no_korean_text() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut found = Vec::new();
    let mut scanned = 0;
    for (dir, ext) in SOURCES {
        let mut list = Vec::new();
        files(&root.join(dir), ext, &mut list);
        assert!(!list.is_empty(), "no .{ext} files under {dir}");
        for path in list {
            scanned += 1;
            let text = std::fs::read_to_string(&path).expect("read a shell source");
            for line in hangul_outside_comments(&text) {
                found.push(format!(
                    "{}:{line}",
                    path.strip_prefix(&root).unwrap_or(&path).display()
                ));
            }
        }
    }
    assert!(scanned >= 10, "only {scanned} shell sources found");
    assert!(
        found.is_empty(),
        "Korean text outside resource files (move it to strings.xml / messages.properties / \
         Localizable.strings):\n{}",
        found.join("\n")
    );
}
