-- 5: worker safety (issue 5). The append-only safety event log (안전 이벤트 기록) of every session this
-- device has heard of: its own, its partners' (by sync), and the server's alerts. Never edited or
-- deleted; sync takes the union by id. No foreign keys: events arrive from other phones in any order
-- and may name workers or households this (partial) replica does not hold.
-- `kind` is the event's type code (EventKind::code), `payload` the whole EventKind as JSON (the
-- session plan of a start, the alarm of an acknowledgement …); `at` in milliseconds UTC.
CREATE TABLE safety_events (
    id         TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    at         INTEGER NOT NULL,
    worker_id  TEXT,
    device_id  TEXT NOT NULL CHECK (length(device_id) > 0),
    lat        REAL,
    lon        REAL,
    kind       TEXT NOT NULL,
    payload    TEXT NOT NULL
) STRICT;
CREATE INDEX safety_events_session ON safety_events(session_id, at);
