//! Local SQLite store: connection, migrations, repositories. See issue 3.
