//! People in a household (가구원).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::Id;

crate::code_enum! {
    /// 성별.
    pub enum Sex: "person.sex" {
        Female = ("female", "여", "female"),
        Male = ("male", "남", "male"),
    }
}

crate::code_enum! {
    /// Relation to the head of household (가구주와의 관계).
    pub enum Relation: "person.relation" {
        Head = ("head", "본인(가구주)", "head of household"),
        Spouse = ("spouse", "배우자", "spouse"),
        Child = ("child", "자녀", "child"),
        Parent = ("parent", "부모", "parent"),
        Grandchild = ("grandchild", "손자녀", "grandchild"),
        Sibling = ("sibling", "형제자매", "sibling"),
        Other = ("other", "기타", "other"),
    }
}

crate::code_enum! {
    /// Disability (장애 정도, since 2019: 심한 / 심하지 않은).
    pub enum Disability: "person.disability" {
        None = ("none", "없음", "none"),
        Mild = ("mild", "심하지 않은 장애", "mild disability"),
        Severe = ("severe", "심한 장애", "severe disability"),
    }
}

/// A member of a household (가구원).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Person {
    pub id: Id,
    pub household_id: Id,
    pub name: String,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    pub relation: Relation,
    pub disability: Disability,
}

impl Person {
    /// Age in full years (만 나이) on `on`.
    pub fn age_on(&self, on: NaiveDate) -> i32 {
        full_years_between(self.birth_date, on)
    }
}

/// The age (만 나이) a person born on `birth` reaches during `year`: whom the universal visits of
/// that year count as turning 65 or 70 (001 §5), whatever the day of the birthday.
pub fn age_reached_in(birth: NaiveDate, year: i32) -> i32 {
    use chrono::Datelike;
    year - birth.year()
}

/// Full years from `birth` to `on` (만 나이); negative if `on` is before birth.
pub fn full_years_between(birth: NaiveDate, on: NaiveDate) -> i32 {
    use chrono::Datelike;
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years
}
