//! Eligibility from the household's own records (자격 판정): the store loads the household, its
//! members and its service records; [`crate::eligibility::household::build_input`] turns them and
//! the worker's entered facts into the engine's input; the engine decides. Nothing is written.

use chrono::NaiveDate;

use super::Store;
use crate::eligibility::household::{attach_notes, build_input, HouseholdRecords};
use crate::eligibility::{EnteredFacts, EvaluationInput, EvaluationOutput, ParameterRegistry};
use crate::model::Id;
use crate::CoreResult;

impl Store {
    /// What the household's records hold for an evaluation; an unknown household is `not_found`.
    pub fn household_records(&self, household_id: Id) -> CoreResult<HouseholdRecords> {
        let household = self.households().get(household_id)?.household;
        let members = self.persons().of_household(household_id)?;
        let services = self.services().for_household(household_id)?;
        Ok(HouseholdRecords {
            household,
            members,
            services,
        })
    }

    /// The engine's input for the household on `as_of`, built from its records and `facts`.
    pub fn household_input(
        &self,
        household_id: Id,
        as_of: NaiveDate,
        facts: &EnteredFacts,
    ) -> CoreResult<EvaluationInput> {
        Ok(build_input(&self.household_records(household_id)?, as_of, facts)?.input)
    }

    /// Evaluates the household on `as_of` with the built-in tables (see
    /// [`Self::evaluate_household_with`]).
    pub fn evaluate_household(
        &self,
        household_id: Id,
        as_of: NaiveDate,
        facts: &EnteredFacts,
    ) -> CoreResult<EvaluationOutput> {
        self.evaluate_household_with(ParameterRegistry::builtin()?, household_id, as_of, facts)
    }

    /// Evaluates the household on `as_of` under `registry`: members, lonely-death risk, recorded
    /// 서울형 긴급복지 support and this year's 돌봄SOS use from the store, the rest from `facts`.
    /// The 서울형 긴급복지 result names the recorded support it counted.
    pub fn evaluate_household_with(
        &self,
        registry: &ParameterRegistry,
        household_id: Id,
        as_of: NaiveDate,
        facts: &EnteredFacts,
    ) -> CoreResult<EvaluationOutput> {
        let built = build_input(&self.household_records(household_id)?, as_of, facts)?;
        let mut out = registry.evaluate(&built.input)?;
        attach_notes(&mut out, built.emergency_notes);
        Ok(out)
    }
}
