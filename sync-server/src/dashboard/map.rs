//! The map of the 동 (지도) on the board and the plan: the households of the caller's area that carry
//! a location, and the day's team routes (each assigned team's visits in window order). The board's
//! own rows carry their household's point and the SOS point, so open sessions, SOS and overdue
//! markers come with the live board and need no second request.
//!
//! The page draws it with Leaflet, shipped inside the server (`assets/vendor/leaflet`), over the
//! district's own tile server when one is configured (`--map-tile-url`), else on a plain
//! background: no request leaves for a map service the operator did not choose.

use std::collections::HashMap;

use serde::Serialize;
use uuid::Uuid;

use donghaeng_core::store::records::DongRecords;

use super::plan::DayPlan;

/// A household marker.
#[derive(Debug, Clone, Serialize)]
pub struct MapHousehold {
    pub household_id: Uuid,
    pub lat: f64,
    pub lon: f64,
    pub address: Option<String>,
    pub crisis_level: Option<i64>,
    pub risk_flags: Vec<&'static str>,
}

/// A stop of a team's route.
#[derive(Debug, Clone, Serialize)]
pub struct MapStop {
    pub visit_id: Uuid,
    pub household_id: Uuid,
    pub lat: f64,
    pub lon: f64,
    pub address: Option<String>,
    pub status: String,
}

/// One assigned team's route of the day (stops without a location are left out).
#[derive(Debug, Clone, Serialize)]
pub struct MapRoute {
    pub workers: Vec<String>,
    pub stops: Vec<MapStop>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MapData {
    pub households: Vec<MapHousehold>,
    pub routes: Vec<MapRoute>,
}

/// The map of the households of `records` (archived ones left out), with the routes of `plan` (made
/// over the same 동s).
pub fn map_data(records: &DongRecords, plan: &DayPlan) -> MapData {
    let mut households: Vec<MapHousehold> = records
        .households
        .iter()
        .filter(|h| !h.archived)
        .filter_map(|h| {
            let at = h.location?;
            Some(MapHousehold {
                household_id: h.id,
                lat: at.lat,
                lon: at.lon,
                address: Some(h.address.clone()),
                crisis_level: Some(i64::from(h.crisis_level.value())),
                risk_flags: h.risk_flags.iter().map(|r| r.code()).collect(),
            })
        })
        .collect();
    households.sort_by_key(|h| h.household_id);
    let at: HashMap<Uuid, (f64, f64)> = households
        .iter()
        .map(|h| (h.household_id, (h.lat, h.lon)))
        .collect();
    let routes = plan
        .day
        .teams
        .iter()
        .map(|t| MapRoute {
            workers: t.workers.clone(),
            stops: t
                .visits
                .iter()
                .filter_map(|v| {
                    let (lat, lon) = *at.get(&v.household_id)?;
                    Some(MapStop {
                        visit_id: v.visit_id,
                        household_id: v.household_id,
                        lat,
                        lon,
                        address: v.address.clone(),
                        status: v.status.code().to_owned(),
                    })
                })
                .collect(),
        })
        .filter(|r: &MapRoute| !r.stops.is_empty())
        .collect();
    MapData { households, routes }
}

/// The tile source of the map: a district's own tile server as a URL template with `{z}`, `{x}` and
/// `{y}` (and optionally `{s}` in the host for subdomains), and the attribution its licence asks
/// the map to show. None configured (the default): markers on a plain background.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MapTiles {
    pub url: String,
    pub attribution: String,
}

impl MapTiles {
    /// Checks a template: `http(s)://host/…` with `{z}`, `{x}` and `{y}`, and no character that
    /// could leave the page's security policy (`'`, `"`, `;`, `,`, spaces, `<`, `>`).
    pub fn parse(url: &str, attribution: Option<&str>) -> Result<MapTiles, String> {
        let url = url.trim();
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .ok_or_else(|| format!("{url:?}: must start with https:// or http://"))?;
        if url
            .chars()
            .any(|c| c.is_whitespace() || "'\";,<>\\".contains(c))
        {
            return Err(format!("{url:?}: no spaces, quotes, ';', ',', '<' or '>'"));
        }
        for p in ["{z}", "{x}", "{y}"] {
            if !url.contains(p) {
                return Err(format!("{url:?}: the template needs {p}"));
            }
        }
        let host = rest.split('/').next().unwrap_or("");
        if host.is_empty() || host.contains(['{', '}']) && !host.starts_with("{s}.") {
            return Err(format!(
                "{url:?}: the host must be a name ({{s}}. allowed only as its first label)"
            ));
        }
        Ok(MapTiles {
            url: url.to_owned(),
            attribution: attribution.unwrap_or("").trim().to_owned(),
        })
    }

    /// The origin to allow images from (`https://host:port`; `{s}.` becomes a `*.` wildcard).
    pub fn origin(&self) -> String {
        let (scheme, rest) = self.url.split_once("://").unwrap_or(("https", &self.url));
        let host = rest.split('/').next().unwrap_or("");
        let host = host
            .strip_prefix("{s}.")
            .map_or_else(|| host.to_owned(), |h| format!("*.{h}"));
        format!("{scheme}://{host}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tile_template_is_checked_and_gives_its_origin() {
        let t = MapTiles::parse(
            "https://map.seongbuk.go.kr:8443/tiles/{z}/{x}/{y}.png",
            Some("© 성북구"),
        )
        .unwrap();
        assert_eq!(t.origin(), "https://map.seongbuk.go.kr:8443");
        assert_eq!(t.attribution, "© 성북구");
        let s = MapTiles::parse("http://{s}.tiles.gu.kr/{z}/{x}/{y}.png", None).unwrap();
        assert_eq!(s.origin(), "http://*.tiles.gu.kr");
        for bad in [
            "ftp://tiles.gu.kr/{z}/{x}/{y}.png",
            "https://tiles.gu.kr/{z}/{x}.png",
            "https://tiles.gu.kr/{z}/{x}/{y}.png; script-src *",
            "https://tiles.gu.kr/{z}/{x}/{y}.png'",
            "https:///{z}/{x}/{y}",
            "https://a{z}b/{z}/{x}/{y}",
        ] {
            assert!(MapTiles::parse(bad, None).is_err(), "{bad}");
        }
    }
}
