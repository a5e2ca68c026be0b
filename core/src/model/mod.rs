//! Domain model: one module per aggregate. See issue 3.
