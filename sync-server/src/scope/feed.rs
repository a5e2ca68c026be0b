//! Feed by scope (범위별 변경 피드): each change is stored under the keys of the devices that may
//! receive it, and a pull reads only the changes under its device's keys (`docs/sync.md`, "Feed by
//! scope"). A device's pull then costs its share of the log, not the city's.
//!
//! The keys only narrow what is read: the read rule ([`Viewer::read`]) still decides every change,
//! so a key set may be wider than needed but never narrower. A change's keys are the places where
//! the judge of its push ([`super::authority`]) finds it, before and after the change: its
//! household and that household's 동, a worker's team, a crisis report's 동 and reporter, an
//! activity's worker, a safety session's participants. A record whose place is not known when it
//! is pushed is read by every feed ([`EVERYONE`]), since a later change may place it.
//!
//! What a later change makes visible is sent by the trigger that makes it so: a household that
//! moves into a device's area brings its history as backfill (`Viewer::on_trigger`), up to the move
//! itself, since its earlier changes are under its former 동's key.

use uuid::Uuid;

use donghaeng_core::store::safety_events;
use donghaeng_core::sync::Change;

use super::authority::{Judge, Verdict};
use super::index::ScopeIndex;
use super::placement::uuid_value;
use super::rules::Class;
use super::view::Viewer;
use crate::store::{Feed, FeedKeys, EVERYONE};

impl Viewer {
    /// The keys this device's pulls read: every feed's key and the user's own; the user's unit and
    /// every unit above it (configuration addressed there); and every unit of the user's area (its
    /// households, workers and configuration). Never its own changes: it holds them.
    pub fn feed(&self, ix: &ScopeIndex) -> Feed {
        let mut keys = vec![EVERYONE, self.user_id];
        keys.extend(ix.unit_and_above(self.unit));
        if self.class != Class::Reporter {
            keys.extend(ix.units_within(self.area(ix)));
        }
        keys.sort_unstable();
        keys.dedup();
        Feed {
            keys: Some(keys),
            except_device: Some(self.device_id),
        }
    }
}

/// Where a judged change finds its record, before and after it: what its feed keys are made of.
#[derive(Debug, Default)]
pub struct Landing {
    /// No device may ever read it (the audit trail).
    pub nobody: bool,
    /// Its place is not known yet: every feed reads it.
    pub unplaced: bool,
    /// Households, units (동, teams, configuration's unit) and users it concerns.
    pub households: Vec<Uuid>,
    pub units: Vec<Uuid>,
    pub users: Vec<Uuid>,
}

impl Landing {
    /// The feed keys: the places, each once.
    pub fn keys(self) -> FeedKeys {
        if self.nobody {
            return Vec::new();
        }
        if self.unplaced {
            return vec![EVERYONE];
        }
        let mut keys: Vec<Uuid> = self
            .households
            .into_iter()
            .chain(self.units)
            .chain(self.users)
            .collect();
        keys.sort_unstable();
        keys.dedup();
        keys
    }
}

impl Judge<'_> {
    /// Where an allowed change finds its record: called before the batch learns the change, so
    /// `held` is the place before it and the verdict's placement the place after.
    pub(super) fn landing(&self, c: &Change, v: &Verdict) -> Landing {
        let mut l = Landing::default();
        match c.entity.as_str() {
            // Read on the server by supervisors, never sent to a phone.
            "audit_entries" => {
                l.nobody = true;
                return l;
            }
            "org_units" => {
                l.unplaced = true;
                return l;
            }
            _ => {}
        }
        let before = self.held(&c.entity, c.record_id);
        for p in [before, v.placed].into_iter().flatten() {
            l.units.extend(p.dong);
            l.units.extend(p.team);
            l.users.extend(p.reporter);
            if let Some(w) = p.worker {
                l.users.push(w);
                l.units.extend(self.team_of(w));
            }
            l.households.extend(p.household);
        }
        l.households.extend(v.household);
        let dongs: Vec<Uuid> = l
            .households
            .iter()
            .filter_map(|h| self.dong_of(*h))
            .collect();
        l.units.extend(dongs);
        // A session's events reach its participants wherever they are.
        let session = match &v.session {
            Some((_, _, workers)) => Some(workers.clone()),
            None if c.entity == safety_events::ENTITY => {
                c.op.fields()
                    .and_then(|f| f.get("session_id"))
                    .and_then(uuid_value)
                    .and_then(|s| self.session(s))
                    .map(|(_, workers)| workers)
            }
            None => None,
        };
        l.users.extend(session.into_iter().flatten());
        if l.households.is_empty() && l.units.is_empty() && l.users.is_empty() {
            l.unplaced = true;
        }
        l
    }
}
