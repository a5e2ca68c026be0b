-- 2: integrated case management, case notes, referrals, crisis reports, volunteer activity.
CREATE TABLE cases (
    id             TEXT PRIMARY KEY,
    household_id   TEXT NOT NULL REFERENCES households(id),
    manager_id     TEXT NOT NULL REFERENCES workers(id),
    stage          TEXT NOT NULL,
    classification TEXT,
    opened_on      TEXT NOT NULL,
    closed_on      TEXT,
    closure_reason TEXT
) STRICT;
CREATE INDEX cases_household ON cases(household_id);

CREATE TABLE case_notes (
    id           TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households(id),
    case_id      TEXT REFERENCES cases(id),
    visit_id     TEXT REFERENCES visits(id),
    author_id    TEXT NOT NULL REFERENCES workers(id),
    written_at   INTEGER NOT NULL,
    body         TEXT NOT NULL,
    corrects     TEXT REFERENCES case_notes(id)
) STRICT;
CREATE INDEX case_notes_household_time ON case_notes(household_id, written_at);

CREATE TABLE referrals (
    id               TEXT PRIMARY KEY,
    household_id     TEXT NOT NULL REFERENCES households(id),
    case_id          TEXT REFERENCES cases(id),
    referred_by      TEXT NOT NULL REFERENCES workers(id),
    target           TEXT NOT NULL,
    agency           TEXT NOT NULL,
    referred_on      TEXT NOT NULL,
    reason           TEXT NOT NULL,
    first_reply_on   TEXT,
    service_ended_on TEXT,
    final_reply_on   TEXT,
    reply_note       TEXT
) STRICT;
CREATE INDEX referrals_household ON referrals(household_id);

CREATE TABLE crisis_reports (
    id           TEXT PRIMARY KEY,
    dong_id      TEXT NOT NULL REFERENCES org_units(id),
    reporter_id  TEXT NOT NULL REFERENCES workers(id),
    household_id TEXT REFERENCES households(id),
    address      TEXT NOT NULL,
    signs        TEXT NOT NULL,
    note         TEXT,
    reported_at  INTEGER NOT NULL,
    status       TEXT NOT NULL,
    referral_id  TEXT
) STRICT;
CREATE INDEX crisis_reports_dong ON crisis_reports(dong_id, reported_at);

CREATE TABLE volunteer_activity (
    id           TEXT PRIMARY KEY,
    worker_id    TEXT NOT NULL REFERENCES workers(id),
    day          TEXT NOT NULL,
    minutes      INTEGER NOT NULL CHECK (minutes > 0),
    household_id TEXT REFERENCES households(id),
    note         TEXT
) STRICT;
CREATE INDEX volunteer_activity_worker_day ON volunteer_activity(worker_id, day);
