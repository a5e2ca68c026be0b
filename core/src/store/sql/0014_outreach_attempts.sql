-- 14: outreach (안내·접촉 시도): letters, calls and knocks for the universal visits (보편방문, 001 §5)
-- and the 소나무 센터's follow-up (001 §10), and what came of them; append-only and synced (docs/store.md "Outreach").
CREATE TABLE outreach_attempts (
    id             TEXT PRIMARY KEY,
    household_id   TEXT NOT NULL REFERENCES households(id),
    campaign       TEXT NOT NULL,
    attempted_on   TEXT NOT NULL,
    mode           TEXT NOT NULL,
    result         TEXT NOT NULL,
    refusal_reason TEXT,
    worker_id      TEXT NOT NULL REFERENCES workers(id),
    corrects       TEXT REFERENCES outreach_attempts(id)
) STRICT;
CREATE INDEX outreach_household ON outreach_attempts(household_id, attempted_on);
