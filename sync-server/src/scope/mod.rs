//! Scopes (열람 범위, partial replication per role): a device receives only what its user may see and
//! may push only what its user may write (docs/scopes.md). The rules are in [`rules`]; [`index`]
//! learns from the change log what each record belongs to and [`placement`] names the fields that
//! place it; [`view`] applies the read rules to one device's pull; [`authority`] judges each pushed
//! change on the record as the server holds it; [`feed`] stores each change under the keys of the
//! devices that may receive it, so a pull reads only its device's share; [`publish`] puts the admin's org units and users
//! into the log so that devices and the index know them under the same ids.

pub mod authority;
pub mod feed;
pub mod index;
pub mod placement;
pub mod publish;
pub mod rules;
pub mod view;

pub use authority::{Judged, Refusal, Transfer};
pub use index::ScopeIndex;
pub use view::{Filtered, Viewer};
