-- 7: services provided (서비스 제공 기록), issue 9: 돌봄SOS services delivered and 서울형 긴급복지 support
-- paid, for the figures "돌봄SOS services by type" and "emergency support by item". Append-only and
-- synced like wellness checks: a mistake is mended by a record that `corrects` (or, with `voided`,
-- withdraws) the earlier one. `item` is a `ServiceItem` code; its program follows from it.
CREATE TABLE service_provisions (
    id           TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households(id),
    case_id      TEXT REFERENCES cases(id),
    item         TEXT NOT NULL,
    provided_on  TEXT NOT NULL,
    quantity     INTEGER CHECK (quantity IS NULL OR quantity > 0),
    amount_won   INTEGER CHECK (amount_won IS NULL OR amount_won >= 0),
    recorded_by  TEXT NOT NULL REFERENCES workers(id),
    note         TEXT,
    corrects     TEXT REFERENCES service_provisions(id),
    voided       INTEGER NOT NULL DEFAULT 0 CHECK (voided IN (0, 1))
) STRICT;
CREATE INDEX service_provisions_household ON service_provisions(household_id, provided_on);
