//! End-to-end test support; the suites arrive with issue 7 (sync). See `tests/README.md`.
