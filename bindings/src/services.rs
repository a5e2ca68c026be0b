//! The service item catalogue (서비스 제공 기록) for the shells: which program an item belongs to and
//! what a record of it must carry, so that a form shows the right fields. Every answer is the core's
//! (`ServiceItem::program`, `ServiceItem::shape`); the store's `record_service` still checks them.

use donghaeng_core::model as m;

use donghaeng_core::model::{QuantityUnit, ServiceItem, ServiceProgram};

/// What a record of an item carries (the core's `ItemShape`, with the unit moved to
/// [`ServiceItemInfo::unit`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum ServiceItemShape {
    /// A paid 돌봄SOS service (수가 서비스): `quantity` in `unit` required, `amount_won` (the fee)
    /// optional.
    Paid,
    /// A linked 돌봄SOS service (연계 서비스): counted only, no quantity and no amount.
    Linked,
    /// A 서울형 긴급복지 support item: `amount_won` required, no quantity.
    Money,
}

/// One item as a picker or a form needs it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ServiceItemInfo {
    pub item: ServiceItem,
    pub code: String,
    pub label_ko: String,
    pub label_en: String,
    pub program: ServiceProgram,
    pub shape: ServiceItemShape,
    /// What `quantity` counts; set exactly when `shape` is `Paid`.
    pub unit: Option<QuantityUnit>,
}

impl From<m::ServiceItem> for ServiceItemInfo {
    fn from(i: m::ServiceItem) -> Self {
        let (shape, unit) = match i.shape() {
            m::ItemShape::Paid(u) => (ServiceItemShape::Paid, Some(u)),
            m::ItemShape::Linked => (ServiceItemShape::Linked, None),
            m::ItemShape::Money => (ServiceItemShape::Money, None),
        };
        ServiceItemInfo {
            item: i,
            code: i.code().to_owned(),
            label_ko: i.label_ko().to_owned(),
            label_en: i.label_en().to_owned(),
            program: i.program(),
            shape,
            unit,
        }
    }
}

/// The program, shape and unit of one item.
#[uniffi::export]
pub fn service_item_info(item: ServiceItem) -> ServiceItemInfo {
    item.into()
}

/// The items of a program, in the core's order (the order a picker lists them).
#[uniffi::export]
pub fn service_items(program: ServiceProgram) -> Vec<ServiceItemInfo> {
    m::ServiceItem::of(program)
        .map(ServiceItemInfo::from)
        .collect()
}
