-- 8: the enrolment retry key (core/src/sync/enrolment.rs): made before the first enrolment attempt
-- and kept until a token request with the credential succeeds, so that a retry after a lost answer,
-- even after the app restarted, proves it comes from the phone that spent the code.
ALTER TABLE sync_state ADD COLUMN enrol_retry_key TEXT;
