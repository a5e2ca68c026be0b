-- 13: the check-out PINs of the workers of this phone's safety sessions (docs/safety.md "PINs"), kept
-- so that a session resumed after the app was killed still asks for the PIN and still knows the
-- duress PIN. argon2id PHC strings only, never the PINs; local to the phone (not synced: no other
-- device checks this phone's check-outs), inside the encrypted file like everything else.
CREATE TABLE safety_pins (
    worker_id   TEXT PRIMARY KEY,
    normal_hash TEXT NOT NULL,
    duress_hash TEXT,
    set_at_ms   INTEGER NOT NULL
);
