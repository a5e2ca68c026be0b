//! What `admin list-units`, `list-users` and `list-devices` print: a table for people (Korean
//! first, the codes the other commands take beside), or one JSON document for scripts. Ids are
//! printed whole, ready to copy into the next command.

use std::collections::HashMap;

use chrono::DateTime;
use serde_json::json;
use uuid::Uuid;

use super::table::Table;
use super::AdminOutput;
use crate::store::{DeviceEntry, UnitEntry, UserEntry};

/// Korea Standard Time (UTC+9, no daylight saving): the clock the staff read.
fn kst(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .map(|t| {
            t.with_timezone(&donghaeng_core::clock::kst())
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|| ms.to_string())
}

/// The line printed instead of an empty table.
fn nothing(ko: &str, en: &str) -> AdminOutput {
    AdminOutput::Text(format!("{ko} / {en}\n"))
}

pub fn units(units: &[UnitEntry], as_json: bool) -> AdminOutput {
    if as_json {
        return AdminOutput::Json(json!({ "units": units }));
    }
    if units.is_empty() {
        return nothing(
            "조직이 없습니다 (admin create-unit으로 만드세요)",
            "no units yet (make one with admin create-unit)",
        );
    }
    let names: HashMap<Uuid, &str> = units.iter().map(|u| (u.unit_id, u.name.as_str())).collect();
    let mut t = Table::new(&[
        "조직 ID / unit id",
        "종류 kind",
        "이름 name",
        "상위 조직 parent",
    ]);
    for u in units {
        t.row(vec![
            u.unit_id.to_string(),
            format!("{} ({})", u.kind.label_ko(), u.kind.code()),
            u.name.clone(),
            u.parent_id
                .map(|p| names.get(&p).map_or(p.to_string(), |n| (*n).to_owned()))
                .unwrap_or_else(|| "—".to_owned()),
        ]);
    }
    AdminOutput::Text(t.render())
}

pub fn users(users: &[UserEntry], units: &[UnitEntry], as_json: bool) -> AdminOutput {
    if as_json {
        return AdminOutput::Json(json!({ "users": users }));
    }
    if users.is_empty() {
        return nothing(
            "사용자가 없습니다 (admin create-user로 만드세요)",
            "no users (make one with admin create-user)",
        );
    }
    let unit_names: HashMap<Uuid, &str> =
        units.iter().map(|u| (u.unit_id, u.name.as_str())).collect();
    let mut t = Table::new(&[
        "사용자 ID / user id",
        "이름 name",
        "로그인 login",
        "역할 role",
        "권한 privilege",
        "조직 unit",
    ]);
    for u in users {
        t.row(vec![
            u.user_id.to_string(),
            u.name.clone(),
            u.login.clone().unwrap_or_else(|| "—".to_owned()),
            format!("{} ({})", u.role.label_ko(), u.role.code()),
            u.privilege.code().to_owned(),
            unit_names
                .get(&u.unit_id)
                .map_or(u.unit_id.to_string(), |n| (*n).to_owned()),
        ]);
    }
    AdminOutput::Text(t.render())
}

pub fn devices(devices: &[DeviceEntry], users: &[UserEntry], as_json: bool) -> AdminOutput {
    if as_json {
        return AdminOutput::Json(json!({ "devices": devices }));
    }
    if devices.is_empty() {
        return nothing(
            "등록된 기기가 없습니다 (휴대폰이 등록 코드로 등록하면 나타납니다)",
            "no devices (a phone appears once it enrols with a code)",
        );
    }
    let user_names: HashMap<Uuid, &str> =
        users.iter().map(|u| (u.user_id, u.name.as_str())).collect();
    let mut t = Table::new(&[
        "기기 ID / device id",
        "사용자 user",
        "등록 enrolled (KST)",
        "상태 state",
    ]);
    for d in devices {
        t.row(vec![
            d.device_id.to_string(),
            user_names
                .get(&d.user_id)
                .map_or(d.user_id.to_string(), |n| (*n).to_owned()),
            kst(d.enrolled_at_ms),
            match d.revoked_at_ms {
                Some(at) => format!("폐기됨 revoked {}", kst(at)),
                None => "사용 중 active".to_owned(),
            },
        ]);
    }
    AdminOutput::Text(t.render())
}
