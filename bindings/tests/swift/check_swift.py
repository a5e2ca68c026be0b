"""Grammar-only syntax check of Swift files with tree-sitter-swift (no Swift compiler on this machine).

Usage: python3 check_swift.py FILE.swift...  Exits 1 if any file has a syntax error, printing where.

Two constructs that uniffi generates are valid Swift that this grammar does not know; they are blanked
(replaced by spaces of the same length, so that line and column numbers stay right) before parsing:
`@_documentation(visibility: private)` and the empty-tuple closure body `{ () }`.
"""

import re
import sys

import tree_sitter_swift
from tree_sitter import Language, Parser

KNOWN_FALSE_POSITIVES = [
    re.compile(r"@_documentation\(visibility:\s*private\)"),
    re.compile(r"(?<=\{)\s*\(\)\s*(?=\})"),
]


def blank(source: str) -> str:
    for pattern in KNOWN_FALSE_POSITIVES:
        source = pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), source)
    return source


def problems(tree):
    """Yields (line, column, kind, text) of every ERROR or MISSING node."""
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            row, col = node.start_point
            kind = "missing " + node.type if node.is_missing else "error"
            yield row + 1, col + 1, kind, node.text.decode("utf-8", "replace")[:80]
            continue
        if node.has_error:
            stack.extend(reversed(node.children))


def main(paths):
    parser = Parser(Language(tree_sitter_swift.language()))
    failed = 0
    for path in paths:
        with open(path, encoding="utf-8") as f:
            source = blank(f.read())
        tree = parser.parse(source.encode("utf-8"))
        found = list(problems(tree))
        for line, col, kind, text in found:
            print(f"{path}:{line}:{col}: {kind}: {text!r}")
        print(f"{path}: {'FAILED' if found else 'ok'} ({source.count(chr(10))} lines)")
        failed += bool(found)
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1:]))
