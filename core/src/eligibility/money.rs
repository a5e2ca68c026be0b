//! Integer money: every amount is whole won (`i64`), every rate is in parts per ten thousand, and every
//! division rounds explicitly. No floating point touches an amount, so a line computed here equals the
//! figure printed in the seed to the won.

/// Parts per ten thousand: 85% = 8_500. Four decimals are enough for every published rate (45%, 46%,
/// 85%, 100%, 30%, 32%) and keep the arithmetic exact.
pub type Rate = i64;

/// The denominator of a [`Rate`].
pub const RATE_ONE: Rate = 10_000;

/// `numerator / denominator` rounded half up (toward +∞ on an exact half), for any sign of the
/// numerator and a positive denominator. Computed in `i128`, so `i64 × i64` products cannot overflow;
/// results outside `i64` saturate (inputs are bounded far below that, see `input`).
pub fn div_round_half_up(numerator: i128, denominator: i128) -> i64 {
    if denominator <= 0 {
        return 0;
    }
    let q = (2 * numerator + denominator).div_euclid(2 * denominator);
    i64::try_from(q).unwrap_or(if q > 0 { i64::MAX } else { i64::MIN })
}

/// `amount × rate`, rounded half up to the won. The seed's 85%, 46% and 2021 45% rows are exactly this
/// (tested against every tabulated figure).
pub fn apply_rate(amount: i64, rate: Rate) -> i64 {
    div_round_half_up(i128::from(amount) * i128::from(rate), i128::from(RATE_ONE))
}

/// `"1,500,000"`: thousands separated by commas, as Korean notices print won.
pub fn group_thousands(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if amount < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A rate as a percentage for people: 8_500 → "85", 4_650 → "46.5".
pub fn format_rate(rate: Rate) -> String {
    let whole = rate / 100;
    let frac = rate % 100;
    if frac == 0 {
        whole.to_string()
    } else if frac % 10 == 0 {
        format!("{whole}.{}", frac / 10)
    } else {
        format!("{whole}.{frac:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_half_up_for_both_signs() {
        assert_eq!(div_round_half_up(5, 2), 3);
        assert_eq!(div_round_half_up(-5, 2), -2);
        assert_eq!(div_round_half_up(7, 3), 2);
        assert_eq!(div_round_half_up(8, 3), 3);
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1_000), "1,000");
        assert_eq!(group_thousands(3_260_085), "3,260,085");
        assert_eq!(group_thousands(-1_234_567), "-1,234,567");
    }

    #[test]
    fn formats_rates() {
        assert_eq!(format_rate(8_500), "85");
        assert_eq!(format_rate(10_000), "100");
        assert_eq!(format_rate(4_650), "46.5");
        assert_eq!(format_rate(3_333), "33.33");
    }
}
