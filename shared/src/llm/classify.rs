//! Query classes from the question's words (English, Indonesian, Italian), so routing can send cheap
//! questions to cheap models and legal or cross-domain ones to stronger models.

use serde::{Deserialize, Serialize};

/// Lower-case alphanumeric words.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueryClass {
    Pricing,
    Simple,
    Legal,
    MultiDomain,
    General,
}

impl QueryClass {
    pub const ALL: [QueryClass; 5] = [
        Self::Pricing,
        Self::Simple,
        Self::Legal,
        Self::MultiDomain,
        Self::General,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pricing => "pricing",
            Self::Simple => "simple",
            Self::Legal => "legal",
            Self::MultiDomain => "multi_domain",
            Self::General => "general",
        }
    }
}

const PRICING: &[&str] = &[
    "price", "prices", "pricing", "cost", "costs", "fee", "fees", "tariff", "harga", "biaya", "tarif", "berapa",
    "ongkos", "prezzo", "prezzi", "costo", "costi", "costa", "quanto", "quanta", "tariffa", "idr", "rupiah", "rp",
    "how much",
];
const LEGAL: &[&str] = &[
    "pasal",
    "pp",
    "uu",
    "undang",
    "perpres",
    "permen",
    "permenkumham",
    "perda",
    "peraturan",
    "regulation",
    "regulations",
    "law",
    "laws",
    "legal",
    "legally",
    "hukum",
    "legge",
    "decreto",
    "normativa",
    "articolo",
    "sanksi",
    "sanction",
    "sanctions",
    "penalty",
    "denda",
    "ayat",
    "keputusan",
    "kepmen",
    "compliance",
    "kepatuhan",
    "statute",
];
/// The business domains; a question touching two or more is `multi_domain`.
const DOMAINS: &[&[&str]] = &[
    &[
        "visa",
        "visas",
        "kitas",
        "kitap",
        "voa",
        "evoa",
        "imigrasi",
        "immigration",
        "visto",
        "visti",
        "permesso",
        "soggiorno",
        "izin tinggal",
        "stay permit",
        "golden visa",
    ],
    &[
        "pt",
        "pma",
        "company",
        "companies",
        "perusahaan",
        "società",
        "societa",
        "nib",
        "oss",
        "kbli",
        "akta",
        "notaris",
        "notary",
        "incorporation",
        "pendirian",
        "azienda",
        "impresa",
        "izin usaha",
        "business license",
        "business licence",
    ],
    &[
        "tax",
        "taxes",
        "pajak",
        "npwp",
        "pph",
        "ppn",
        "vat",
        "spt",
        "tasse",
        "imposte",
        "fiscale",
        "fiscal",
        "withholding",
        "efaktur",
    ],
    &[
        "property",
        "land",
        "tanah",
        "villa",
        "lease",
        "leasehold",
        "sewa",
        "hak pakai",
        "hgb",
        "shm",
        "proprietà",
        "immobile",
        "terreno",
        "affitto",
    ],
    &[
        "employee",
        "employees",
        "karyawan",
        "pekerja",
        "tenaga kerja",
        "rptka",
        "imta",
        "work permit",
        "worker",
        "lavoratore",
        "dipendenti",
        "bpjs",
        "payroll",
        "gaji",
        "salary",
    ],
];

/// Whether `phrase` (words separated by single spaces) is a run of consecutive words of `ws`: compared word
/// by word, with no joined copy of the question and no formatted needle per keyword (this ran on every turn
/// and was a twentieth of a chat turn's CPU in the worker).
fn has_phrase(ws: &[String], phrase: &str) -> bool {
    if !phrase.contains(' ') {
        return ws.iter().any(|w| w == phrase);
    }
    let n = phrase.split(' ').count();
    ws.windows(n)
        .any(|w| w.iter().map(String::as_str).eq(phrase.split(' ')))
}

/// Visa index codes such as C1, D12, E33G.
fn is_visa_code(w: &str) -> bool {
    let mut c = w.chars();
    matches!(c.next(), Some('a'..='e')) && {
        let rest: String = c.collect();
        let digits = rest.trim_end_matches(|ch: char| ch.is_ascii_alphabetic());
        !digits.is_empty() && digits.len() <= 3 && digits.chars().all(|ch| ch.is_ascii_digit())
    }
}

/// A regulation reference such as `28/2025`.
fn is_regulation_number(token: &str) -> bool {
    token.split_once('/').is_some_and(|(n, y)| {
        !n.is_empty()
            && n.chars().all(|c| c.is_ascii_digit())
            && y.len() == 4
            && (y.starts_with("19") || y.starts_with("20"))
            && y.chars().all(|c| c.is_ascii_digit())
    })
}

/// Legal beats multi-domain (accuracy matters most), which beats pricing; short questions with none of
/// these signals are simple.
pub fn classify(query: &str, simple_max_words: usize) -> QueryClass {
    let ws = words(query);
    let has = |list: &[&str]| list.iter().any(|k| has_phrase(&ws, k));
    let legal = has(LEGAL)
        || query
            .split_whitespace()
            .any(|t| is_regulation_number(t.trim_matches(|c: char| !c.is_alphanumeric())));
    let mut domains = DOMAINS.iter().filter(|d| has(d)).count();
    if ws.iter().any(|w| is_visa_code(w)) && !has(DOMAINS[0]) {
        domains += 1;
    }
    if legal {
        QueryClass::Legal
    } else if domains >= 2 {
        QueryClass::MultiDomain
    } else if has(PRICING) {
        QueryClass::Pricing
    } else if ws.len() <= simple_max_words {
        QueryClass::Simple
    } else {
        QueryClass::General
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use QueryClass::*;

    #[test]
    fn classifies_english_indonesian_and_italian() {
        let cases = [
            ("How much does a C1 tourist visa extension cost?", Pricing),
            ("Berapa harga KITAS investor?", Pricing),
            ("Quanto costa il visto turistico?", Pricing),
            ("Apa isi PP 28/2025 pasal 211 tentang KBLI?", Legal),
            ("What does the regulation say about foreign ownership of land?", Legal),
            ("Cosa dice la legge sulle società PMA?", Legal),
            ("Menurut undang-undang, apakah WNA boleh punya tanah?", Legal),
            (
                "I need a KITAS and want to open a PT PMA for my villa rental business",
                MultiDomain,
            ),
            (
                "Saya mau buka PT PMA dan bayar pajak, apa saja langkahnya?",
                MultiDomain,
            ),
            (
                "Voglio aprire una società e ottenere il visto per lavorare",
                MultiDomain,
            ),
            ("Can I extend my E33G and also register for tax?", MultiDomain),
            ("What is a KITAS?", Simple),
            ("halo", Simple),
            ("Ciao, come stai?", Simple),
            (
                "Can you explain the steps to open a bank account as a foreigner living here?",
                General,
            ),
        ];
        for (q, want) in cases {
            assert_eq!(classify(q, 6), want, "{q}");
        }
    }

    /// The joined-string search `has_phrase` replaced, as a reference.
    fn joined_contains(ws: &[String], phrase: &str) -> bool {
        format!(" {} ", ws.join(" ")).contains(&format!(" {phrase} "))
    }

    #[test]
    fn phrase_matching_equals_the_joined_string_search() {
        let queries = [
            "How much is a stay permit? how much",
            "izin tinggal terbatas dan izin usaha",
            "golden visa, work permit and tenaga kerja asing",
            "Quanto costa il permesso di soggiorno per società?",
            "much how",
            "",
            "visa",
            "the tax on a golden villa",
        ];
        let lists = [PRICING, LEGAL].into_iter().chain(DOMAINS.iter().copied());
        let phrases: Vec<&str> = lists.flatten().copied().chain(["how much is", "is a stay"]).collect();
        for q in queries {
            let ws = words(q);
            for p in &phrases {
                assert_eq!(has_phrase(&ws, p), joined_contains(&ws, p), "{q:?} / {p:?}");
            }
        }
        assert!(has_phrase(&words("How MUCH is it"), "how much"));
        assert!(!has_phrase(&words("how is it much"), "how much"));
    }

    #[test]
    fn helpers() {
        assert!(is_visa_code("c1") && is_visa_code("e33g") && is_visa_code("d12"));
        assert!(!is_visa_code("cost") && !is_visa_code("e") && !is_visa_code("f1"));
        assert!(is_regulation_number("28/2025") && !is_regulation_number("24/7") && !is_regulation_number("1/2"));
        assert_eq!(QueryClass::ALL.map(QueryClass::as_str)[3], "multi_domain");
    }
}
