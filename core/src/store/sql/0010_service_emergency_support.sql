-- 10: what a 서울형 긴급복지 payment was for (001 §7 ④), for the repeat-support rules of
-- `evaluate_household`: the crisis reason (a `CrisisReason` code) and whether it opened an episode
-- (`new`: first support or 재지원) or was a further payment in it (`extra`: 추가지원). Both NULL on
-- records written before (and on 돌봄SOS records); synced like the other columns.
ALTER TABLE service_provisions ADD COLUMN crisis_reason TEXT;
ALTER TABLE service_provisions ADD COLUMN support_kind TEXT
    CHECK (support_kind IS NULL OR support_kind IN ('new', 'extra'));
