//! Enrolment and access tokens on the wire (기기 등록과 접근 토큰), shared by the device client and the
//! server so that the two cannot drift apart.
//!
//! A phone enrols once with the one-time code an administrator gave its user and sends its **own**
//! device id: the id its store already stamps into every change's hybrid logical clock. The server
//! records that id, so a change's `device_id` and the device the token belongs to are the same thing.
//! The device then trades its secret for short-lived access tokens.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::model::Role;

/// `POST /v1/enrol` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    /// The one-time enrolment code (spaces and dashes are ignored, case-insensitive).
    pub code: String,
    /// The device's own id (its HLC node). Absent: the server makes one up (older clients and the
    /// admin's tests); the device must then adopt the returned id before its first change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<Uuid>,
}

/// `POST /v1/enrol` answer: the device's credential. The secret is shown this once; the server keeps
/// only its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceCredential {
    pub device_id: Uuid,
    pub device_secret: String,
    pub user_id: Uuid,
    pub role: Role,
}

/// `POST /v1/token` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    pub device_id: Uuid,
    pub device_secret: String,
}

/// `POST /v1/token` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    pub expires_at_ms: i64,
    pub expires_in_s: i64,
}

/// Whether `id` may name a device: not the nil id, which the store uses for "not yet known".
pub fn is_usable_device_id(id: Uuid) -> bool {
    !id.is_nil()
}
