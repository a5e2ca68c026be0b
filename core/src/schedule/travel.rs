//! Travel time between two points, behind a trait so that a road-distance matrix can replace the straight
//! line later without touching the planner.

use serde::{Deserialize, Serialize};

use crate::model::GeoPoint;
use crate::{CoreError, CoreResult};

/// Travel time in whole seconds from one point to another. Must be deterministic and non-negative.
pub trait TravelTime {
    fn seconds(&self, from: GeoPoint, to: GeoPoint) -> i64;
}

/// Great-circle (haversine) distance × a detour factor, at a constant speed.
///
/// Defaults (**our choice**, domain.md is silent): walking at 4.5 km/h, the usual adult walking pace that
/// 동 teams moving between nearby homes can keep, and a detour factor of 1.3 because streets are not
/// straight lines (a common rule of thumb for dense Korean neighbourhoods). Driving: e.g. 20 km/h in town.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HaversineTravel {
    pub speed_kmh: f64,
    pub detour_factor: f64,
}

impl Default for HaversineTravel {
    fn default() -> Self {
        HaversineTravel::walking()
    }
}

impl HaversineTravel {
    /// Walking, 4.5 km/h, detour 1.3.
    pub fn walking() -> Self {
        HaversineTravel {
            speed_kmh: 4.5,
            detour_factor: 1.3,
        }
    }

    /// Driving in town, 20 km/h including parking, detour 1.3 (our choice).
    pub fn driving() -> Self {
        HaversineTravel {
            speed_kmh: 20.0,
            detour_factor: 1.3,
        }
    }

    /// Rejects a speed or detour factor that is not a positive finite number.
    pub fn validate(&self) -> CoreResult<()> {
        if !(self.speed_kmh.is_finite() && self.speed_kmh > 0.0) {
            return Err(CoreError::invalid(
                "travel_speed_invalid",
                "travel.speed_kmh",
                format!("이동 속도는 0보다 커야 합니다 (입력: {})", self.speed_kmh),
                format!("travel speed must be positive (got {})", self.speed_kmh),
            ));
        }
        if !(self.detour_factor.is_finite() && self.detour_factor >= 1.0) {
            return Err(CoreError::invalid(
                "travel_detour_invalid",
                "travel.detour_factor",
                format!(
                    "우회 계수는 1 이상이어야 합니다 (입력: {})",
                    self.detour_factor
                ),
                format!(
                    "detour factor must be at least 1 (got {})",
                    self.detour_factor
                ),
            ));
        }
        Ok(())
    }
}

impl TravelTime for HaversineTravel {
    fn seconds(&self, from: GeoPoint, to: GeoPoint) -> i64 {
        let metres = from.distance_m(to) * self.detour_factor;
        let secs = (metres / (self.speed_kmh / 3.6)).ceil();
        // Validated inputs keep this finite; clamp anyway so a bad custom value can never overflow.
        if secs.is_finite() {
            secs.clamp(0.0, 1.0e9) as i64
        } else {
            1_000_000_000
        }
    }
}
