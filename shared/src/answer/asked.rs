//! What kind of value a question asks for, and whether a statement carries one. "How fast must I reply?",
//! "entro quanto devo rispondere?" and "berapa lama?" ask for a duration; "how much", "quanto costa" and
//! "berapa biaya" for an amount. Among statements that share the question's words, the one with a value of
//! that kind is the answer far more often than the one that only names the topic.

use crate::search::words::for_each_word;

/// A kind of value a question can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asked {
    /// A length of time: days, months, years, a deadline.
    Duration,
    /// Money: a price, a fee, a fine, capital.
    Amount,
    /// A percentage: a tax rate, a contribution.
    Rate,
}

/// Word pairs that ask for a duration.
const DURATION_PAIRS: &[(&str, &str)] = &[
    ("how", "long"),
    ("how", "fast"),
    ("how", "soon"),
    ("how", "quickly"),
    ("how", "often"),
    ("within", "how"),
    ("quanto", "tempo"),
    ("quanto", "dura"),
    ("quanto", "durano"),
    ("entro", "quando"),
    ("entro", "quanto"),
    ("ogni", "quanto"),
    ("berapa", "lama"),
    ("berapa", "hari"),
    ("berapa", "bulan"),
    ("berapa", "tahun"),
    ("berapa", "minggu"),
    ("berapa", "jam"),
    ("batas", "waktu"),
    ("jangka", "waktu"),
    ("masa", "berlaku"),
    ("paling", "lambat"),
    ("many", "days"),
    ("many", "months"),
    ("many", "years"),
    ("many", "weeks"),
    ("quanti", "giorni"),
    ("quanti", "mesi"),
    ("quanti", "anni"),
    ("quante", "settimane"),
];

/// Single words that ask for a duration.
const DURATION_WORDS: &[&str] = &["deadline", "deadlines", "scadenza", "scadenze", "durata", "tenggat"];

/// Word pairs that ask for an amount.
const AMOUNT_PAIRS: &[(&str, &str)] = &[
    ("how", "much"),
    ("berapa", "biaya"),
    ("berapa", "harga"),
    ("berapa", "tarif"),
    ("berapa", "modal"),
    ("berapa", "denda"),
    ("berapa", "persen"),
];

/// Single words that ask for an amount.
const AMOUNT_WORDS: &[&str] = &[
    "cost", "costs", "price", "prices", "fee", "fees", "costa", "costano", "costo", "costi", "prezzo", "prezzi",
    "tariffa", "tariffe", "biaya", "harga", "tarif",
];

/// Words that ask for a percentage. With one of them, "how much", "berapa" or "tarif" ask for the rate, not money.
const RATE_WORDS: &[&str] = &[
    "persen",
    "percent",
    "percentage",
    "percentuale",
    "aliquota",
    "rate",
    "rates",
];

/// The kinds of value `query` asks for, in the order duration, amount, rate (a question can ask for more than one;
/// a rate word makes "how much" ask for the rate, not money).
pub fn asked(query: &str) -> Vec<Asked> {
    let mut words = Vec::new();
    for_each_word(query, |w| words.push(w.to_string()));
    let pair = |pairs: &[(&str, &str)]| {
        words
            .windows(2)
            .any(|w| pairs.iter().any(|(a, b)| w[0] == *a && w[1] == *b))
    };
    let word = |list: &[&str]| words.iter().any(|w| list.contains(&w.as_str()));
    let mut out = Vec::new();
    if pair(DURATION_PAIRS) || word(DURATION_WORDS) {
        out.push(Asked::Duration);
    }
    let rate = word(RATE_WORDS) || query.contains('%');
    let money = pair(AMOUNT_PAIRS) || word(AMOUNT_WORDS);
    if money && !rate {
        out.push(Asked::Amount);
    }
    if rate {
        out.push(Asked::Rate);
    }
    out
}

/// Units of time, in the three languages.
const TIME_UNITS: &[&str] = &[
    "day",
    "days",
    "hari",
    "giorno",
    "giorni",
    "week",
    "weeks",
    "minggu",
    "settimana",
    "settimane",
    "month",
    "months",
    "bulan",
    "mese",
    "mesi",
    "year",
    "years",
    "tahun",
    "anno",
    "anni",
    "hour",
    "hours",
    "jam",
    "ore",
];

/// Words that mark money.
const MONEY_WORDS: &[&str] = &[
    "idr", "rp", "usd", "eur", "juta", "miliar", "million", "billion", "milioni", "miliardi",
];

/// Whether `text` carries a value of kind `kind`: a number followed, within three words (room for the statute's
/// "3 (tiga) hari" or "30 working days"), by a unit of time; a currency or a scale word; a percentage.
pub fn carries(kind: Asked, text: &str) -> bool {
    let any_word = |list: &[&str]| {
        let mut found = false;
        for_each_word(text, |w| found |= list.contains(&w));
        found
    };
    match kind {
        Asked::Amount => text.contains('€') || text.contains('$') || any_word(MONEY_WORDS),
        Asked::Rate => text.contains('%') || any_word(&["persen", "percent", "percento"]),
        Asked::Duration => {
            // Words since the last number (None before any number).
            let mut since: Option<usize> = None;
            let mut found = false;
            for_each_word(text, |w| {
                if found {
                    return;
                }
                if w.bytes().all(|b| b.is_ascii_digit()) {
                    since = Some(0);
                } else if let Some(n) = since {
                    if TIME_UNITS.contains(&w) {
                        found = true;
                    } else {
                        since = (n < 2).then_some(n + 1);
                    }
                }
            });
            found
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_ask_for_durations_and_amounts_in_three_languages() {
        assert_eq!(asked("How fast do I need to reply?"), [Asked::Duration]);
        assert_eq!(asked("Entro quanto devo rispondere alla lettera?"), [Asked::Duration]);
        assert_eq!(asked("Berapa lama izin tinggal berlaku?"), [Asked::Duration]);
        assert_eq!(asked("Quanto costa il visto C1?"), [Asked::Amount]);
        assert_eq!(asked("berapa biaya KITAS investor"), [Asked::Amount]);
        assert_eq!(asked("Tarif PPh Badan berapa persen?"), [Asked::Rate]);
        assert_eq!(asked("What is the VAT rate?"), [Asked::Rate]);
        assert_eq!(
            asked("How much is a KITAS and how long does it take?"),
            [Asked::Duration, Asked::Amount]
        );
        assert!(asked("Can a foreigner own land in Bali?").is_empty());
        assert!(asked("Is PP 5/2021 still valid?").is_empty());
    }

    #[test]
    fn statements_carry_a_duration_when_a_number_comes_with_a_unit_of_time() {
        assert!(carries(Asked::Duration, "Reply in writing, usually within 14 days."));
        assert!(carries(
            Asked::Duration,
            "paling lama 3 (tiga) hari kerja sejak permohonan"
        ));
        assert!(carries(Asked::Duration, "30 working days"));
        assert!(!carries(
            Asked::Duration,
            "Article 14 of the regulation sets the days off."
        ));
        assert!(!carries(Asked::Duration, "An SP2DK is not an audit."));
        assert!(!carries(
            Asked::Duration,
            "Valid for 2 or more entries; tax applies per year."
        ));
    }

    #[test]
    fn statements_carry_an_amount_when_they_name_money_or_a_rate() {
        assert!(carries(Asked::Amount, "Price: IDR 2,300,000"));
        assert!(carries(Asked::Amount, "Rp10 miliar di luar tanah dan bangunan"));
        assert!(!carries(Asked::Amount, "Extension: 60 days"));
        assert!(carries(Asked::Rate, "a 22% rate"));
        assert!(carries(Asked::Rate, "tarif 11 persen"));
        assert!(!carries(Asked::Rate, "Price: IDR 2,300,000"), "money is not a rate");
        assert!(!carries(Asked::Amount, "a 22% rate"), "a rate is not money");
    }
}
