-- 15: hospital-discharge referrals (돌봄SOS 퇴원환자 연계, 001 §9): the hospital's referral, its
-- assignment to the 동 by the district, and the day of each step after; mutable and synced
-- (docs/store.md "Discharge referrals").
CREATE TABLE discharge_referrals (
    id                 TEXT PRIMARY KEY,
    household_id       TEXT NOT NULL REFERENCES households(id),
    person_id          TEXT NOT NULL REFERENCES persons(id),
    hospital           TEXT NOT NULL,
    referred_on        TEXT NOT NULL,
    discharge_on       TEXT,
    -- The district official: not a worker the 동's phones hold (they hold their 동's), so no key.
    assigned_by        TEXT NOT NULL,
    assigned_on        TEXT NOT NULL,
    care_plan_on       TEXT,
    service_started_on TEXT,
    service_ended_on   TEXT,
    confirmed_on       TEXT,
    reported_on        TEXT
) STRICT;
CREATE INDEX discharge_referrals_household ON discharge_referrals(household_id, referred_on);
