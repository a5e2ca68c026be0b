//! Welfare eligibility as dated, explained rules. See issue 4.
