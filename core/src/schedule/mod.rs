//! Visit cadence and two-person (2인 1조) day planning. See issue 6.
