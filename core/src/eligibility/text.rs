//! The Korean explanation of an evaluation, with English beside each line (`--format text`).

use std::fmt::Write;

use crate::eligibility::money::group_thousands;
use crate::eligibility::output::{EvaluationOutput, ProgramResult};

/// Renders the whole evaluation for people: per program the decision, each check (✓ passed, ✗ not),
/// support amounts, benefit, 돌봄SOS costs and notes.
pub fn render_text(out: &EvaluationOutput) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "자격 판정 기준일 / evaluated on: {}", out.as_of);
    for p in &out.programs {
        s.push('\n');
        render_program(&mut s, p);
    }
    s
}

/// The Korean word for a request unit.
fn unit_ko(unit: &str) -> &'static str {
    match unit {
        "hour" => "시간",
        "day" => "일",
        "minute" => "분",
        "meal" => "식",
        _ => "",
    }
}

fn render_program(s: &mut String, p: &ProgramResult) {
    let _ = writeln!(
        s,
        "■ {} ({}): {} ({})",
        p.program.label_ko(),
        p.program.label_en(),
        p.decision.label_ko(),
        p.decision.label_en()
    );
    if p.parameters.is_empty() {
        let _ = writeln!(s, "  기준표 / parameters: 없음 / none");
    } else {
        let _ = writeln!(s, "  기준표 / parameters: {}", p.parameters);
    }
    if p.provisional {
        let _ = writeln!(
            s,
            "  ⚠ 잠정 기준: 구청에 확인하세요 / provisional parameters: verify with the district"
        );
    }
    for c in &p.checks {
        let mark = if c.passed { "✓" } else { "✗" };
        let _ = writeln!(s, "  {mark} {}", c.ko);
        let _ = writeln!(s, "    {}", c.en);
    }
    for l in &p.support {
        let extra = if l.extra_payments_allowed > 0 {
            format!(
                " (추가지원 {}회 가능 / up to {} extra payment(s))",
                l.extra_payments_allowed, l.extra_payments_allowed
            )
        } else {
            String::new()
        };
        let _ = writeln!(
            s,
            "  → {} 최대 {}원 / {} up to {} won{extra}",
            l.item.label_ko(),
            group_thousands(l.max_amount_won),
            l.item.label_en(),
            group_thousands(l.max_amount_won)
        );
    }
    if let Some(b) = p.monthly_benefit_won {
        let _ = writeln!(
            s,
            "  → 월 지급액 {}원 / monthly payment {} won",
            group_thousands(b),
            group_thousands(b)
        );
    }
    if let Some(c) = &p.care_sos_cost {
        for sc in &c.services {
            let over = if sc.over_limit > 0 {
                format!(
                    ", 연 한도 초과 {}{} 미지원 / {} {} over the yearly limit",
                    sc.over_limit,
                    unit_ko(sc.unit),
                    sc.over_limit,
                    sc.unit
                )
            } else {
                String::new()
            };
            let _ = writeln!(
                s,
                "  → {} {}{} 중 {}{} 지원: {}원 / {} {} of {} {} covered: {} won{over}",
                sc.service.label_ko(),
                sc.requested,
                unit_ko(sc.unit),
                sc.covered,
                unit_ko(sc.unit),
                group_thousands(sc.cost_won),
                sc.service.label_en(),
                sc.covered,
                sc.requested,
                sc.unit,
                group_thousands(sc.cost_won)
            );
        }
        if c.self_pay_won > 0 {
            let _ = writeln!(
                s,
                "  → 본인부담 합계 {}원 / paid by the household {} won",
                group_thousands(c.self_pay_won),
                group_thousands(c.self_pay_won)
            );
        }
        let _ = writeln!(
            s,
            "  → 돌봄SOS 지원 합계 {}원 (연 한도 {}원) / Care SOS covered total {} won (yearly limit {} won)",
            group_thousands(c.covered_total_won),
            group_thousands(c.yearly_total_limit_won),
            group_thousands(c.covered_total_won),
            group_thousands(c.yearly_total_limit_won)
        );
    }
    for n in &p.notes {
        let _ = writeln!(s, "  ※ {}", n.ko);
        let _ = writeln!(s, "    {}", n.en);
    }
}
