-- 3: household search text (head's name, members' names, address) kept with the household, so a
-- search for "김" or "역삼" is one scan of one column; and the last-contact time per household for
-- monitoring queries.
ALTER TABLE households ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
ALTER TABLE households ADD COLUMN last_contact_at INTEGER;
UPDATE households SET search_text =
    head_name || ' ' || address || ' ' ||
    COALESCE((SELECT group_concat(name, ' ') FROM persons p WHERE p.household_id = households.id), '');
UPDATE households SET last_contact_at = (
    SELECT max(t) FROM (
        SELECT completed_at AS t FROM visits v
         WHERE v.household_id = households.id AND v.status = 'completed'
        UNION ALL
        SELECT checked_at FROM wellness_checks w WHERE w.household_id = households.id
    )
);
CREATE INDEX visits_status_start ON visits(status, window_start);
