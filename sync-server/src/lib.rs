//! The sync server arrives with issue 7; see `sync-server/README.md`.
