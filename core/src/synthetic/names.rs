//! Korean names and addresses that look real and are not: surnames by their approximate national
//! frequency, given names from common syllables, streets of a Gangnam 동 with made-up numbers.

use super::rng::Rng;

/// Surnames with rough frequencies (per mille) from the national census; enough for realistic searches.
const SURNAMES: &[(&str, u32)] = &[
    ("김", 215),
    ("이", 147),
    ("박", 84),
    ("최", 47),
    ("정", 43),
    ("강", 24),
    ("조", 21),
    ("윤", 20),
    ("장", 20),
    ("임", 17),
    ("한", 15),
    ("오", 15),
    ("서", 15),
    ("신", 14),
    ("권", 14),
    ("황", 14),
    ("안", 13),
    ("송", 13),
    ("류", 12),
    ("전", 11),
    ("홍", 11),
    ("고", 9),
    ("문", 9),
    ("양", 9),
    ("손", 9),
    ("배", 8),
    ("백", 8),
    ("허", 6),
    ("유", 6),
    ("남", 5),
    ("심", 5),
    ("노", 5),
];

const GIVEN_FIRST: &[&str] = &[
    "민", "서", "지", "수", "영", "현", "정", "은", "준", "혜", "성", "경", "미", "순", "동", "상",
    "재", "승", "진", "옥", "명", "희", "하", "윤", "도", "예", "태", "말", "복", "춘",
];
const GIVEN_SECOND: &[&str] = &[
    "수", "준", "호", "희", "영", "자", "숙", "철", "민", "연", "우", "진", "아", "현", "서", "은",
    "빈", "남", "순", "식", "례", "훈", "원", "주", "윤", "람", "율", "린",
];

/// Streets of 역삼동 and around (real street names; house numbers are invented).
const STREETS: &[&str] = &[
    "역삼로",
    "논현로",
    "테헤란로",
    "언주로",
    "선릉로",
    "봉은사로",
    "강남대로",
    "도곡로",
    "삼성로",
    "학동로",
];

pub fn person_name(rng: &mut Rng) -> String {
    format!(
        "{}{}{}",
        rng.weighted(SURNAMES),
        rng.pick(GIVEN_FIRST),
        rng.pick(GIVEN_SECOND)
    )
}

/// A given name for a family member who shares the surname.
pub fn same_family_name(rng: &mut Rng, head: &str) -> String {
    let surname: String = head.chars().take(1).collect();
    format!(
        "{surname}{}{}",
        rng.pick(GIVEN_FIRST),
        rng.pick(GIVEN_SECOND)
    )
}

pub fn address(rng: &mut Rng, district: &str) -> String {
    let street = rng.pick(STREETS);
    let no = rng.range(1, 480);
    match rng.below(4) {
        0 => format!("서울특별시 {district} {street} {no}"),
        1 => format!(
            "서울특별시 {district} {street} {no}, {}호",
            rng.range(1, 5) * 100 + rng.range(1, 12)
        ),
        2 => format!(
            "서울특별시 {district} {street}{}길 {}",
            rng.range(1, 40),
            rng.range(1, 60)
        ),
        _ => format!(
            "서울특별시 {district} {street} {no}, 지하 {}호",
            rng.range(1, 3)
        ),
    }
}

/// A mobile number in the 010-0000-xxxx block, which is never assigned to a subscriber.
pub fn phone(rng: &mut Rng) -> String {
    format!("010-0000-{:04}", rng.below(10_000))
}
