//! Tools a question plainly asks for. Models with tool use decide for themselves; the offline provider
//! cannot, so these calls are run before it answers ("how much is a C1 visa" → get_pricing C1).
//! Longer than most files: half of it is word lists (en/id/it) and the tests that pin each rule.

use serde_json::{json, Value};

use crate::kb::visa_codes;
use crate::lang::Lang;
use crate::search::analyze::{acronyms, is_code, tokens};
use crate::search::stopwords::is_stopword;

#[rustfmt::skip]
const PRICE_WORDS: &[&str] = &[
    "price", "charge", "prices", "cost", "costs", "fee", "fees", "much", "harga", "biaya", "berapa", "tarif", "prezzo",
    "prezzi", "costo", "costa", "quanto", "quote", "preventivo",
];
/// Price words that cannot mean anything else ("berapa" and "quanto" also ask "how long").
#[rustfmt::skip]
const EXPLICIT_PRICE_WORDS: &[&str] = &[
    "price", "charge", "prices", "cost", "costs", "fee", "fees", "harga", "biaya", "tarif", "prezzo", "prezzi",
    "costo", "costa", "quote", "preventivo",
];
/// Words of a question about time, not money.
#[rustfmt::skip]
const DURATION_WORDS: &[&str] = &[
    "long", "lama", "waktu", "tempo", "giorni", "mesi", "settimane", "hari", "bulan", "minggu", "durata", "durasi",
    "days", "weeks", "months",
];
#[rustfmt::skip]
const EXTEND_WORDS: &[&str] = &[
    "extend", "extension", "extended", "perpanjang", "perpanjangan", "proroga", "prorogare", "rinnovo",
];

/// Words of a question about a statutory amount or rate (a tax, a contribution, a fine, a salary, capital), which
/// the price list of Bali Zero's services does not answer: "berapa tarif PPh final", "how much income".
#[rustfmt::skip]
const NOT_A_SERVICE: &[&str] = &[
    "pph", "ppn", "vat", "iva", "bphtb", "pbb", "persen", "percent", "percentuale", "aliquota", "rate", "rates",
    "iuran", "contribution", "contributions", "contributo", "contributi", "denda", "fine", "fines", "multa", "multe",
    "sanzione", "sanzioni", "penalty", "gaji", "salary", "stipendio", "upah", "wage", "wages", "income", "penghasilan",
    "reddito", "pesangon", "severance", "tfr", "saldo", "tabungan", "savings", "modal", "capital", "capitale",
    "investasi", "investment", "investimento", "invest", "investire", "berinvestasi", "levy", "pungutan", "turistica",
    "kali", "times", "volte",
];

/// Words just before "KBLI" that name a code the asker already has ("the same KBLI", "per KBLI code", "our
/// current KBLI"), so the question is about a rule, not which code to use.
const KBLI_HELD_BEFORE: &[&str] = &[
    "same", "stesso", "stessa", "stessi", "current", "existing", "attuale", "our", "nostro", "nostra", "quel",
    "quello", "that", "this", "questo", "per", "each", "every", "ogni", "setiap", "tiap", "masing",
];
/// The same, after "KBLI" (Indonesian): "KBLI yang sama", "KBLI kami", "KBLI ini".
const KBLI_HELD_AFTER: &[&str] = &["sama", "kami", "saya", "ini", "itu", "tersebut"];
/// An explicit code is looked up when the question is about it ("what is 56101?"), not when it is mentioned in
/// a longer question about something else: at most this many other content words.
const CODE_QUESTION_WORDS: usize = 6;

/// Words about KBLI itself (the classification, its codes, risk levels, tables), not about an activity.
#[rustfmt::skip]
const KBLI_GENERIC: &[&str] = &[
    "kbli", "code", "codes", "kode", "codice", "codici", "number", "nomor", "numero", "digit", "digits", "risk",
    "risks", "risiko", "rischio", "rischi", "level", "levels", "tingkat", "livello", "based", "berbasis", "basato",
    "mapping", "map", "pemetaan", "mappatura", "table", "tables", "tabel", "tabella", "list", "daftar", "elenco",
    "lampiran", "annex", "appendix", "allegato", "classification", "klasifikasi", "classificazione", "category",
    "kategori", "categoria", "sector", "sectors", "sektor", "settore", "settori", "company", "perusahaan", "societa",
    "azienda", "business", "bisnis", "usaha", "attivita", "activity", "activities", "kegiatan", "aktivitas", "pt",
    "pma", "pmdn", "oss", "rba", "nib", "license", "licence", "izin", "perizinan", "licenza", "permit", "pp",
    "regulation", "peraturan", "regolamento", "new", "baru", "nuovo", "nuova", "latest", "terbaru", "correct", "right",
    "best", "appropriate", "benar", "tepat", "cocok", "giusto", "corretto", "adatto",
];

/// Question and helper words (en/id/it) that never name an activity, besides the search stopwords.
#[rustfmt::skip]
const FUNCTION_WORDS: &[&str] = &[
    // English
    "use", "used", "get", "find", "choose", "select", "pick", "open", "opening", "start", "starting", "run", "running",
    "register", "apply", "tell", "show", "give", "explain", "know", "applies", "covers", "cover", "fit", "fits",
    "match", "matches", "one", "own", "like",
    // Indonesian
    "yg", "utk", "manakah", "tolong", "sebuah", "butuh", "buka", "membuka", "mendirikan", "menjalankan", "pakai",
    "memakai", "menggunakan", "pilih", "memilih", "cari", "mencari", "jelaskan", "cocoknya", "berlaku", "termasuk",
    // Italian
    "ha", "bisogno", "aprire", "avviare", "scegliere", "trovare", "usare", "usa", "uso",
];

/// The visa on arrival's name (lowercase), in the three languages.
#[rustfmt::skip]
const VOA_NAMES: &[&str] = &[
    "visa on arrival", "visa kunjungan saat kedatangan", "visto all'arrivo", "visto on arrival",
];

/// Phrases that start an explicit "remember this" request, per language (lowercase).
#[rustfmt::skip]
const REMEMBER: &[&str] = &[
    "remember that", "remember:", "please remember", "ingat bahwa", "ingat:", "tolong ingat", "ricorda che",
    "ricordati che", "ricorda:",
];

/// (tool name, arguments) calls implied by the question.
pub fn implied_tools(query: &str) -> Vec<(&'static str, Value)> {
    let lower = query.to_lowercase();
    let words = tokens(query);
    let mut calls = Vec::new();
    if let Some(fact) = REMEMBER.iter().find_map(|p| {
        lower
            .find(p)
            .map(|i| query[i + p.len()..].trim().trim_end_matches(['.', '!']))
    }) {
        if fact.chars().count() >= 3 {
            calls.push(("save_memory", json!({ "fact": fact })));
        }
    }
    // Current codes (C1, E33G, KITAP) and old visa indices (B211A, C312, VoA), which get_pricing maps to
    // the current ones with a note.
    let mut codes: Vec<String> = words
        .iter()
        .filter(|w| names_visa(w))
        .map(|w| w.to_ascii_uppercase())
        .collect();
    // The visa on arrival by its name, as most clients write it.
    if VOA_NAMES.iter().any(|n| lower.contains(n)) && !codes.iter().any(|c| c == "VOA") {
        codes.push("VOA".to_string());
    }
    let asks_price = asks_service_price(query, &words, &codes);
    if asks_price {
        let extensions = u64::from(words.iter().any(|w| EXTEND_WORDS.contains(&w.as_str())));
        if codes.is_empty() {
            let service = service_words(&words);
            if !service.is_empty() {
                calls.push(("get_pricing", json!({ "service": service })));
            }
        }
        for code in codes.iter().take(3) {
            calls.push(("get_pricing", json!({ "service": code })));
            // An old index quotes as its current one, when there is exactly one (D212 → D2).
            let quoted = match visa_codes::legacy(code) {
                Some(l) => match l.current {
                    [one] => Some(*one),
                    _ => None,
                },
                None => Some(code.as_str()),
            };
            if let (true, Some(service)) = (extensions > 0, quoted) {
                calls.push((
                    "calculate_quote",
                    json!({ "items": [{ "service": service, "quantity": 1, "extensions": 1 }] }),
                ));
            }
        }
    }
    if let Some(q) = kbli_query(&words, &acronyms(query)) {
        calls.push(("kbli_lookup", json!({ "query": q, "limit": 3 })));
    }
    calls
}

/// A visa named by its index, current or old ("C1", "E33G", "KITAP", "B211A", "VoA").
fn names_visa(w: &str) -> bool {
    is_visa_code(w) || w == "kitap" || visa_codes::legacy(w).is_some()
}

/// Visa indices are a letter of B–E and a number ("C1", "E33G"); other short codes ("P2" of PBB-P2) are not.
fn is_visa_code(w: &str) -> bool {
    is_code(w) && w.len() < 5 && matches!(w.as_bytes()[0], b'b'..=b'e')
}

/// Whether the question asks what one of Bali Zero's services costs. An explicit price word ("cost",
/// "biaya", "prezzo"; not the Italian "quote", which are shares) does; "how much", "berapa" and "quanto" do
/// only when the next word that is not a function word names a visa code or a service ("berapa KITAS
/// investor", "how much to extend a C1", not "berapa kali", "berapa lama",
/// "ogni quanto" or "berapa pajak"). A statutory amount or rate (a tax rate, a contribution, a fine, income) is not a price of
/// the list, unless a visa code is named.
fn asks_service_price(query: &str, words: &[String], codes: &[String]) -> bool {
    let italian = Lang::detect(query) == Lang::It;
    let explicit = words
        .iter()
        .any(|w| EXPLICIT_PRICE_WORDS.contains(&w.as_str()) && !(italian && w == "quote"));
    let generic = words.iter().enumerate().any(|(i, w)| {
        PRICE_WORDS.contains(&w.as_str())
            && !EXPLICIT_PRICE_WORDS.contains(&w.as_str())
            && words[i + 1..]
                .first()
                .is_none_or(|n| !DURATION_WORDS.contains(&n.as_str()))
            && words[i + 1..]
                .iter()
                .find(|n| !is_stopword(n) && !EXTEND_WORDS.contains(&n.as_str()))
                .is_some_and(|n| {
                    // "How much tax", "berapa pajak": the tax itself, not the tax service's fee.
                    let tax = matches!(n.as_str(), "tax" | "pajak" | "tasse");
                    names_visa(n) || (!tax && SERVICE_WORDS.contains(&n.as_str()))
                })
    });
    let statutory = words.iter().any(|w| NOT_A_SERVICE.contains(&w.as_str()));
    (explicit || generic) && (!statutory || !codes.is_empty())
}

/// The kbli_lookup query a question implies: an explicit 5-digit code, or, for a question that mentions
/// KBLI, the activity words left after dropping function words and words about KBLI itself ("KBLI untuk
/// restoran" → "restoran"). A question about KBLI in general ("where is the KBLI-risk mapping?") implies
/// no lookup.
fn kbli_query(words: &[String], acronyms: &[String]) -> Option<String> {
    let mut activity: Vec<&str> = Vec::new();
    for w in words {
        let w = w.as_str();
        let noise = KBLI_GENERIC.contains(&w)
            || (is_stopword(w) && !acronyms.iter().any(|a| a == w))
            || FUNCTION_WORDS.contains(&w)
            || PRICE_WORDS.contains(&w)
            || w.bytes().all(|b| b.is_ascii_digit())
            || w.chars().count() < 2;
        if !noise && !activity.contains(&w) {
            activity.push(w);
        }
    }
    let code = words
        .iter()
        .find(|w| w.len() == 5 && w.bytes().all(|b| b.is_ascii_digit()));
    if let Some(code) = code {
        return (activity.len() <= CODE_QUESTION_WORDS).then(|| code.clone());
    }
    let at = words.iter().position(|w| w == "kbli")?;
    let held = words[at.saturating_sub(3)..at]
        .iter()
        .any(|w| KBLI_HELD_BEFORE.contains(&w.as_str()))
        || words.get(at + 1).is_some_and(|w| KBLI_HELD_AFTER.contains(&w.as_str()))
        || (words.get(at + 1).is_some_and(|w| w == "yang") && words.get(at + 2).is_some_and(|w| w == "sama"));
    (!held && !activity.is_empty()).then(|| activity.join(" "))
}

/// Words that name a service or a category of the price list.
#[rustfmt::skip]
const SERVICE_WORDS: &[&str] = &[
    "kitas", "kitap", "visa", "pma", "company", "tax", "npwp", "remote", "worker", "retirement", "investor",
    "spouse", "family", "business", "tourism", "tourist", "working", "setup", "pt", "bpjs", "lkpm", "accounting",
    // Plural and Italian/Indonesian forms of the categories the price list knows.
    "visas", "visto", "visti", "società", "societa", "perusahaan", "pajak", "tasse", "pensione", "pensiun",
    "investitore", "lavoro", "kerja", "turismo", "wisata", "bisnis", "affari",
];

/// The service words of a pricing question ("how much is a remote worker kitas" → "remote worker kitas").
fn service_words(words: &[String]) -> String {
    words
        .iter()
        .filter(|w| SERVICE_WORDS.contains(&w.as_str()))
        .cloned()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(q: &str) -> Vec<(&'static str, Value)> {
        implied_tools(q)
    }

    #[test]
    fn pricing_questions_in_three_languages() {
        let en = names("How much is a C1 tourism visa and can I extend it?");
        assert_eq!(en[0], ("get_pricing", json!({ "service": "C1" })));
        assert_eq!(en[1].0, "calculate_quote");
        assert_eq!(
            names("Berapa harga KITAS E33G?")[0],
            ("get_pricing", json!({ "service": "E33G" }))
        );
        assert_eq!(
            names("Quanto costa il KITAP?")[0],
            ("get_pricing", json!({ "service": "KITAP" }))
        );
        assert_eq!(
            names("What does a remote worker KITAS cost?")[0],
            ("get_pricing", json!({ "service": "remote worker kitas" }))
        );
        assert!(
            names("What is a C1 visa?").is_empty(),
            "no price words, no pricing tool"
        );
    }

    #[test]
    fn how_long_is_not_how_much() {
        assert!(names("Berapa lama proses pendirian PT PMA?").is_empty());
        assert!(names("Quanto tempo ci vuole per il KITAS E33G?").is_empty());
        assert!(names("How long does a C1 extension take?").is_empty());
        assert_eq!(names("Berapa biaya dan berapa lama KITAS E33G?")[0].0, "get_pricing");
        assert_eq!(names("Berapa harga visa C1?")[0].0, "get_pricing");
    }

    #[test]
    fn kbli_and_memory() {
        assert_eq!(
            names("KBLI untuk restoran")[0],
            ("kbli_lookup", json!({ "query": "restoran", "limit": 3 }))
        );
        assert_eq!(
            names("what is 56101?")[0],
            ("kbli_lookup", json!({ "query": "56101", "limit": 3 }))
        );
        assert_eq!(
            names("Remember that my KITAS expires in March.")[0],
            ("save_memory", json!({ "fact": "my KITAS expires in March" }))
        );
        assert_eq!(names("Ricorda che sono italiano")[0].0, "save_memory");
    }

    fn kbli(q: &str) -> Option<String> {
        names(q)
            .into_iter()
            .find(|(n, _)| *n == "kbli_lookup")
            .map(|(_, a)| a["query"].as_str().unwrap().to_string())
    }

    #[test]
    fn kbli_lookup_keeps_only_the_activity_words() {
        for (q, want) in [
            ("KBLI untuk restoran", "restoran"),
            ("AI programming software company KBLI", "ai programming software"),
            ("codice KBLI per una scuola di yoga", "scuola yoga"),
            ("Which KBLI code do I need to open a beach club?", "beach club"),
            ("Apa kode KBLI yang tepat untuk usaha villa?", "villa"),
            ("What is the KBLI risk level for a surf school?", "surf school"),
            ("KBLI 56101", "56101"),
            ("what is 56101?", "56101"),
        ] {
            assert_eq!(kbli(q).as_deref(), Some(want), "{q}");
        }
    }

    #[test]
    fn no_kbli_lookup_for_questions_about_kbli_itself() {
        for q in [
            "where is the KBLI-risk mapping?",
            "Where is the KBLI risk mapping table?",
            "Dov'è la tabella KBLI dei rischi?",
            "Di mana lampiran KBLI risiko?",
            "What is KBLI?",
            "Show me the KBLI 2020 classification list",
            "Apa itu kode KBLI?",
            "Cos'è il codice KBLI?",
            "How much does a restaurant cost?",
        ] {
            assert_eq!(kbli(q), None, "{q}");
        }
    }

    #[test]
    fn statutory_amounts_and_counts_are_not_service_prices() {
        for q in [
            "Berapa tarif PPN untuk jasa konsultan?",
            "How much severance does a retiring employee get?",
            "Quanto si paga di multa per un giorno di overstay?",
            "Berapa kali saya boleh memperpanjang izin tinggal?",
            "Quante quote della società può avere un socio straniero?",
            "How much tax does a PT PMA pay on dividends?",
            "Berapa pajak yang dibayar untuk sewa vila?",
            "How much must I invest to get an investor KITAS?",
        ] {
            assert!(names(q).iter().all(|(n, _)| *n != "get_pricing"), "{q}: {:?}", names(q));
        }
        for (q, service) in [
            ("How much do you charge for an E28A?", "E28A"),
            ("Berapa KITAS investor?", "kitas investor"),
            ("How much is the E33G and how long does it take?", "E33G"),
            ("Quanto costa il visto all'arrivo?", "VOA"),
            ("What is the fee for the monthly tax report?", "tax"),
        ] {
            assert_eq!(names(q)[0], ("get_pricing", json!({ "service": service })), "{q}");
        }
    }

    #[test]
    fn a_kbli_named_in_passing_is_not_looked_up() {
        for q in [
            "Do I need a new licence if I keep the same KBLI but move the office to Ubud?",
            "Is our current KBLI enough to sell furniture online?",
            "Apakah perlu izin baru kalau KBLI yang sama dipakai di lokasi kedua?",
            "Is the investment counted per KBLI code or per company?",
            "My PT has 56101 and wants to add catering for weddings at villas in Canggu and Ubud: what changes for the licence?",
        ] {
            assert_eq!(kbli(q), None, "{q}");
        }
        assert_eq!(kbli("Is 56101 open to foreign investors?").as_deref(), Some("56101"));
        assert_eq!(
            kbli("Which KBLI for a surf school and board rental?").as_deref(),
            Some("surf school board rental")
        );
    }

    #[test]
    fn old_visa_codes_are_treated_like_codes() {
        assert_eq!(
            names("How much is a B211A visa?")[0],
            ("get_pricing", json!({ "service": "B211A" }))
        );
        assert_eq!(
            names("Berapa harga visa b211a?")[0],
            ("get_pricing", json!({ "service": "B211A" }))
        );
        assert_eq!(
            names("Quanto costa il C312?")[0],
            ("get_pricing", json!({ "service": "C312" }))
        );
        assert_eq!(
            names("How much is a VoA?")[0],
            ("get_pricing", json!({ "service": "VOA" }))
        );
        let ext = names("How much to extend my D212?");
        assert_eq!(ext[0], ("get_pricing", json!({ "service": "D212" })));
        assert_eq!(
            ext[1],
            (
                "calculate_quote",
                json!({ "items": [{ "service": "D2", "quantity": 1, "extensions": 1 }] })
            ),
            "quoted as its current index"
        );
        assert_eq!(
            names("How much to extend a B211A?").len(),
            1,
            "C1 or C2: no quote without knowing which"
        );
        assert!(names("What is a B211A?").is_empty(), "no price words, no pricing tool");
    }
}
