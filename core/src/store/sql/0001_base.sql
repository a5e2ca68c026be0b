-- 1: organisation, workers, households, people, visits.
-- Ids are UUID text; instants are INTEGER milliseconds since the Unix epoch (UTC);
-- calendar dates are TEXT 'YYYY-MM-DD'; enum values are their stable codes; sets of codes are
-- comma-separated code lists.
CREATE TABLE org_units (
    id        TEXT PRIMARY KEY,
    kind      TEXT NOT NULL,
    name      TEXT NOT NULL,
    parent_id TEXT REFERENCES org_units(id)
) STRICT;

CREATE TABLE workers (
    id      TEXT PRIMARY KEY,
    team_id TEXT NOT NULL REFERENCES org_units(id),
    name    TEXT NOT NULL,
    roles   TEXT NOT NULL,
    phone   TEXT,
    active  INTEGER NOT NULL DEFAULT 1
) STRICT;
CREATE INDEX workers_team ON workers(team_id);

CREATE TABLE households (
    id           TEXT PRIMARY KEY,
    dong_id      TEXT NOT NULL REFERENCES org_units(id),
    head_name    TEXT NOT NULL,
    address      TEXT NOT NULL,
    lat          REAL,
    lon          REAL,
    crisis_level INTEGER NOT NULL CHECK (crisis_level BETWEEN 1 AND 5),
    tags         TEXT NOT NULL DEFAULT '',
    risk_flags   TEXT NOT NULL DEFAULT '',
    phone        TEXT,
    archived     INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX households_dong ON households(dong_id);

CREATE TABLE persons (
    id           TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households(id),
    name         TEXT NOT NULL,
    birth_date   TEXT NOT NULL,
    sex          TEXT NOT NULL,
    relation     TEXT NOT NULL,
    disability   TEXT NOT NULL DEFAULT 'none'
) STRICT;
CREATE INDEX persons_household ON persons(household_id);

CREATE TABLE visits (
    id             TEXT PRIMARY KEY,
    household_id   TEXT NOT NULL REFERENCES households(id),
    purpose        TEXT NOT NULL,
    contact_mode   TEXT NOT NULL,
    window_start   INTEGER NOT NULL,
    window_end     INTEGER NOT NULL,
    required_roles TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL,
    started_at     INTEGER,
    completed_at   INTEGER,
    outcome        TEXT,
    note           TEXT,
    CHECK (window_end > window_start)
) STRICT;
CREATE INDEX visits_household_start ON visits(household_id, window_start);

-- Who is assigned to which visit. window_start is copied from the visit (in the same transaction) so
-- that a worker's agenda for a day is one index range scan.
CREATE TABLE visit_workers (
    visit_id     TEXT NOT NULL REFERENCES visits(id) ON DELETE CASCADE,
    worker_id    TEXT NOT NULL REFERENCES workers(id),
    window_start INTEGER NOT NULL,
    PRIMARY KEY (visit_id, worker_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX visit_workers_agenda ON visit_workers(worker_id, window_start);

CREATE TABLE wellness_checks (
    id              TEXT PRIMARY KEY,
    household_id    TEXT NOT NULL REFERENCES households(id),
    visit_id        TEXT REFERENCES visits(id),
    worker_id       TEXT NOT NULL REFERENCES workers(id),
    checked_at      INTEGER NOT NULL,
    contact_mode    TEXT NOT NULL,
    meals           TEXT NOT NULL,
    health          TEXT NOT NULL,
    mood            TEXT NOT NULL,
    mobility        TEXT NOT NULL,
    housing         TEXT NOT NULL,
    heating_cooling TEXT NOT NULL,
    loneliness      TEXT NOT NULL,
    arrears_signs   INTEGER NOT NULL,
    cutoff_signs    INTEGER NOT NULL,
    needs_referral  INTEGER NOT NULL,
    note            TEXT,
    corrects        TEXT REFERENCES wellness_checks(id)
) STRICT;
CREATE INDEX wellness_household_time ON wellness_checks(household_id, checked_at);
