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

-- Incident reports (안전사고 보고), append-only: a correction is a new report that points at the old one
-- (`corrects`). Statistics per district and half-year are computed from them. Sets are stored as
-- sorted comma-separated lists (worker ids, follow-up codes). No foreign keys, like safety_events.
CREATE TABLE incidents (
    id                   TEXT PRIMARY KEY,
    session_id           TEXT,
    district_id          TEXT NOT NULL,
    occurred_at          INTEGER NOT NULL,
    reported_at          INTEGER NOT NULL CHECK (reported_at >= occurred_at),
    reporter_id          TEXT NOT NULL,
    affected_workers     TEXT NOT NULL CHECK (length(affected_workers) > 0),
    incident_type        TEXT NOT NULL,
    severity             TEXT NOT NULL,
    injuries             TEXT,
    police_called        INTEGER NOT NULL CHECK (police_called IN (0, 1)),
    ambulance_119_called INTEGER NOT NULL CHECK (ambulance_119_called IN (0, 1)),
    follow_ups           TEXT NOT NULL,
    description          TEXT NOT NULL,
    corrects             TEXT
) STRICT;
CREATE INDEX incidents_district ON incidents(district_id, occurred_at);
