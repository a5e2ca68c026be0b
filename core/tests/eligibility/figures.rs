//! Every figure of the eligibility part of domain.md, asserted against what the engine computes or
//! holds: median rows, the 85% / 45% / 46% rows, the national living-benefit line, maximum and minimum
//! benefits, emergency support amounts, 돌봄SOS fees and limits.

use chrono::NaiveDate;
use donghaeng_core::eligibility::codes::CareService;
use donghaeng_core::eligibility::money::apply_rate;
use donghaeng_core::eligibility::programs::basic_security::monthly_benefit;
use donghaeng_core::eligibility::ParameterRegistry;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn reg() -> &'static ParameterRegistry {
    ParameterRegistry::builtin().unwrap()
}

const MEDIAN_2021: [i64; 6] = [
    1_827_831, 3_088_079, 3_983_950, 4_876_290, 5_757_373, 6_628_603,
];
const MEDIAN_2022: [i64; 6] = [
    1_944_812, 3_260_085, 4_194_701, 5_121_080, 6_024_515, 6_907_004,
];
const ROW_85_2022: [i64; 6] = [
    1_653_090, 2_771_072, 3_565_496, 4_352_918, 5_120_838, 5_870_953,
];
const ROW_45_2021: [i64; 6] = [
    822_524, 1_389_636, 1_792_778, 2_194_331, 2_590_818, 2_982_871,
];
const ROW_46_2022: [i64; 6] = [
    894_614, 1_499_639, 1_929_562, 2_355_697, 2_771_277, 3_177_222,
];
const NATIONAL_2022: [i64; 6] = [583_444, 978_026, 1_258_410, 1_536_324, 1_807_355, 2_072_101];
const MAX_BENEFIT_2022: [i64; 6] = [291_722, 489_013, 629_205, 768_162, 903_678, 1_036_051];
const MIN_BENEFIT_2022: [i64; 6] = [97_241, 163_004, 209_735, 256_054, 301_226, 345_350];

#[test]
fn median_rows_2021_and_2022_are_the_published_figures() {
    assert_eq!(reg().median(2021).unwrap().values.by_size_won, MEDIAN_2021);
    assert_eq!(reg().median(2022).unwrap().values.by_size_won, MEDIAN_2022);
    assert!(!reg().median(2022).unwrap().provisional);
}

#[test]
fn the_85_percent_row_is_the_median_times_085() {
    let computed: Vec<i64> = MEDIAN_2022.iter().map(|m| apply_rate(*m, 8_500)).collect();
    assert_eq!(computed, ROW_85_2022);
}

#[test]
fn the_2021_45_percent_row_is_the_2021_median_times_045_half_up() {
    let computed: Vec<i64> = MEDIAN_2021.iter().map(|m| apply_rate(*m, 4_500)).collect();
    assert_eq!(computed, ROW_45_2021);
}

#[test]
fn the_2022_46_percent_row_is_the_median_times_046() {
    let computed: Vec<i64> = MEDIAN_2022.iter().map(|m| apply_rate(*m, 4_600)).collect();
    assert_eq!(computed, ROW_46_2022);
}

#[test]
fn basic_security_sets_use_the_45_and_46_percent_lines_on_either_side_of_march_2022() {
    let before = reg().basic_security_on(d("2022-02-28")).unwrap();
    let after = reg().basic_security_on(d("2022-03-01")).unwrap();
    assert_eq!(before.values.income_rate, 4_500);
    assert_eq!(before.values.selection_median_year, 2021);
    assert_eq!(after.values.income_rate, 4_600);
    assert_eq!(after.values.selection_median_year, 2022);
    let rows = |year: i32, rate| -> Vec<i64> {
        reg()
            .median(year)
            .unwrap()
            .values
            .by_size_won
            .iter()
            .map(|m| apply_rate(*m, rate))
            .collect()
    };
    assert_eq!(rows(2021, before.values.income_rate), ROW_45_2021);
    assert_eq!(rows(2022, after.values.income_rate), ROW_46_2022);
    // Property and financial limits: 135 → 155백만원, 30 → 36백만원.
    assert_eq!(before.values.property_limit_won, 135_000_000);
    assert_eq!(before.values.financial_limit_won, 30_000_000);
    assert_eq!(after.values.property_limit_won, 155_000_000);
    assert_eq!(after.values.financial_limit_won, 36_000_000);
    // Benefit levels are the 2022 ones from January.
    assert_eq!(before.values.benefit_median_year, 2022);
    assert_eq!(after.values.benefit_median_year, 2022);
}

#[test]
fn national_line_maximum_and_minimum_benefits_2022() {
    let p = &reg().basic_security_on(d("2022-06-15")).unwrap().values;
    for i in 0..6 {
        let n = apply_rate(MEDIAN_2022[i], p.national_living_rate);
        assert_eq!(n, NATIONAL_2022[i], "national line, size {}", i + 1);
        // Maximum at income 0, minimum at income = the 46% line.
        assert_eq!(
            monthly_benefit(p, n, 0),
            MAX_BENEFIT_2022[i],
            "max, size {}",
            i + 1
        );
        assert_eq!(
            monthly_benefit(p, n, ROW_46_2022[i]),
            MIN_BENEFIT_2022[i],
            "min, size {}",
            i + 1
        );
        // Minimum = one third of the maximum, to the won.
        assert!((MAX_BENEFIT_2022[i] - 3 * MIN_BENEFIT_2022[i]).abs() <= 2);
    }
}

#[test]
fn the_2021_four_person_maximum_was_731_444_and_rose_5_02_percent() {
    let p = &reg().basic_security_on(d("2021-06-01")).unwrap().values;
    let n = apply_rate(MEDIAN_2021[3], p.national_living_rate);
    assert_eq!(monthly_benefit(p, n, 0), 731_444);
    // 731,444 → 768,162 is +36,718 (+5.02%).
    assert_eq!(768_162 - 731_444, 36_718);
    assert_eq!(apply_rate(731_444, 10_502), 768_162);
}

#[test]
fn emergency_welfare_2022_criteria_and_amounts() {
    let set = reg().emergency_on(d("2022-06-15")).unwrap();
    let p = &set.values;
    assert_eq!(set.source, "001 §7");
    assert_eq!(p.income_rate, 10_000);
    assert_eq!(p.income_rate_unrelaxed, Some(8_500));
    assert_eq!(p.property_limit_won, 379_000_000);
    assert_eq!(p.property_limit_unrelaxed_won, Some(310_000_000));
    assert_eq!(p.financial_limit_won, 10_000_000);
    assert_eq!(p.living_by_size_won, [300_000, 500_000, 700_000, 1_000_000]);
    assert_eq!(p.living_extra_payments, 1);
    assert_eq!(p.lonely_death_living_extra_payments, 2);
    assert_eq!(p.iot_devices_cap_won, 500_000);
    assert_eq!(p.medical_max_won, 1_000_000);
    assert_eq!(p.medical_extra_payments, 1);
    assert_eq!(p.housing_max_won, 1_000_000);
    assert_eq!(p.care_sos_max_won, 1_600_000);
    assert_eq!(p.education_elementary_won, 124_100);
    assert_eq!(p.education_middle_won, 174_700);
    assert_eq!(p.education_high_won, 207_700);
    assert_eq!(p.fuel_won, 106_700);
    assert_eq!(p.childbirth_won, 700_000);
    assert_eq!(p.funeral_won, 800_000);
    assert_eq!(p.electricity_max_won, 500_000);
    assert_eq!(p.no_resupport_months, 3);
    assert_eq!(p.resupport_window_months, 12);
    // The 100% line it applies is the 100% row itself.
    let line: Vec<i64> = MEDIAN_2022
        .iter()
        .map(|m| apply_rate(*m, p.income_rate))
        .collect();
    assert_eq!(line, MEDIAN_2022);
}

#[test]
fn care_sos_2022_fees_and_limits() {
    let p = &reg().care_sos_on(d("2022-06-15")).unwrap().values;
    assert_eq!(p.income_rate, 8_500);
    assert_eq!(p.crisis_income_rate, 10_000);
    assert_eq!(p.middle_aged_from_age, 50);
    let s = |c| p.service(c).unwrap();
    assert_eq!(
        (
            s(CareService::TemporaryHomeCare).fee_won,
            s(CareService::TemporaryHomeCare).fee_per
        ),
        (38_390, 120)
    );
    assert_eq!(
        s(CareService::TemporaryHomeCare).yearly_limit,
        Some(60 * 60)
    );
    assert_eq!(
        (
            s(CareService::ShortStay).fee_won,
            s(CareService::ShortStay).fee_per
        ),
        (60_490, 1)
    );
    assert_eq!(s(CareService::ShortStay).yearly_limit, Some(14));
    assert_eq!(
        (
            s(CareService::Escort).fee_won,
            s(CareService::Escort).fee_per
        ),
        (14_900, 60)
    );
    assert_eq!(s(CareService::Escort).yearly_limit, None);
    assert_eq!(
        (
            s(CareService::HousingHelp).fee_won,
            s(CareService::HousingHelp).fee_per
        ),
        (14_900, 60)
    );
    assert_eq!(s(CareService::HousingHelp).yearly_limit, None);
    assert_eq!(
        (s(CareService::Meals).fee_won, s(CareService::Meals).fee_per),
        (8_400, 1)
    );
    assert_eq!(s(CareService::Meals).yearly_limit, Some(30));
    assert_eq!(p.yearly_total_limit_won, 1_600_000);
}

#[test]
fn safety_income_2022_line_is_the_85_percent_row() {
    let p = &reg().safety_income_on(d("2022-08-01")).unwrap().values;
    assert_eq!(p.income_rate, 8_500);
    assert_eq!(p.payment_rate, None, "the seed gives no 2022 payment rule");
}

#[test]
fn figures_after_2022_are_held_with_their_confidence() {
    let row = |y| reg().median(y).unwrap();
    assert_eq!(
        row(2023).values.by_size_won,
        [2_077_892, 3_456_155, 4_434_816, 5_400_964, 6_330_688, 7_227_981]
    );
    assert_eq!(
        row(2024).values.by_size_won,
        [2_228_445, 3_682_609, 4_714_657, 5_729_913, 6_695_735, 7_618_369]
    );
    assert_eq!(
        row(2025).values.by_size_won,
        [2_392_013, 3_932_658, 5_025_353, 6_097_773, 7_108_192, 8_064_805]
    );
    assert_eq!(
        row(2026).values.by_size_won,
        [2_564_238, 4_199_292, 5_359_036, 6_494_738, 7_556_719, 8_555_952]
    );
    // [S] figures only in provisional sets; 2025 is confirmed for every size.
    assert!(row(2023).provisional);
    assert!(row(2024).provisional);
    assert!(!row(2025).provisional);
    assert!(row(2026).provisional);
    let safety = reg().safety_income_on(d("2026-05-01")).unwrap();
    assert!(safety.provisional);
    assert_eq!(safety.values.property_limit_won, Some(326_000_000));
    assert_eq!(safety.values.payment_rate, Some(5_000));
}
