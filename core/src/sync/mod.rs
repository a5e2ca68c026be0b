//! Sync: hybrid logical clock, change capture, merge and protocol types. See issue 7.
