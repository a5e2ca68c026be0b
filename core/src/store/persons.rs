//! People in households (가구원) repository.

use chrono::NaiveDate;
use rusqlite::{params, Connection};

use super::conv::{date, get_date, get_id};
use super::Store;
use crate::clock::local_date;
use crate::model::validate::{birth_date, required_text, NAME_MAX_CHARS};
use crate::model::{new_id, Disability, Id, Person, Relation, Sex};
use crate::CoreResult;

pub struct Persons<'a>(pub(super) &'a Store);

/// A member given together with a new household (see `Households::create_with_members`).
#[derive(Debug, Clone)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewMember {
    pub name: String,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    pub relation: Relation,
    pub disability: Disability,
}

#[derive(Debug, Clone)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewPerson {
    pub household_id: Id,
    pub name: String,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    pub relation: Relation,
    pub disability: Disability,
}

pub(crate) fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Person> {
    Ok(Person {
        id: get_id(r, 0)?,
        household_id: get_id(r, 1)?,
        name: r.get(2)?,
        birth_date: get_date(r, 3)?,
        sex: r.get(4)?,
        relation: r.get(5)?,
        disability: r.get(6)?,
    })
}

impl Persons<'_> {
    /// Adds a member to an existing household.
    pub fn add(&self, new: NewPerson) -> CoreResult<Person> {
        let person = validate(
            self.0,
            new.household_id,
            NewMember {
                name: new.name,
                birth_date: new.birth_date,
                sex: new.sex,
                relation: new.relation,
                disability: new.disability,
            },
        )?;
        self.0.write_synced(|tx, cap| {
            super::households::require(tx, person.household_id)?;
            insert(tx, &person)?;
            cap.upsert(tx, "persons", person.id, None)?;
            super::households::refresh_search_text(tx, person.household_id)?;
            Ok(person)
        })
    }

    /// Members of a household, oldest first.
    pub fn of_household(&self, household_id: Id) -> CoreResult<Vec<Person>> {
        self.0.read(|tx| {
            super::households::require(tx, household_id)?;
            let mut st = tx.prepare_cached(
                "SELECT id, household_id, name, birth_date, sex, relation, disability FROM persons
                  WHERE household_id = ?1 ORDER BY birth_date, id",
            )?;
            let rows = st.query_map([household_id.to_string()], from_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }
}

/// Checks a member's fields and gives it an id.
pub(crate) fn validate(store: &Store, household_id: Id, m: NewMember) -> CoreResult<Person> {
    let today = local_date(store.clock().now());
    Ok(Person {
        id: new_id(),
        household_id,
        name: required_text("person.name", &m.name, NAME_MAX_CHARS)?,
        birth_date: birth_date("person.birth_date", m.birth_date, today)?,
        sex: m.sex,
        relation: m.relation,
        disability: m.disability,
    })
}

pub(crate) fn insert(conn: &Connection, person: &Person) -> CoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO persons (id, household_id, name, birth_date, sex, relation, disability)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        person.id.to_string(),
        person.household_id.to_string(),
        person.name,
        date(person.birth_date),
        person.sex,
        person.relation,
        person.disability
    ])?;
    Ok(())
}
