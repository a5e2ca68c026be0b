//! Scopes (열람 범위, partial replication per role): a device receives only what its user may see and
//! may push only what its user may write (issue 7, "Auth and scopes"). The rules are in [`rules`];
//! [`index`] learns from the change log what each record belongs to; [`view`] applies the rules to
//! one device's pull or push; [`publish`] puts the admin's org units and users into the log so that
//! devices and the index know them under the same ids.

pub mod index;
pub mod publish;
pub mod rules;
pub mod view;

pub use index::ScopeIndex;
pub use view::{BatchOverlay, Filtered, Viewer};
