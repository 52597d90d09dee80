//! The three languages the firm works in, and a detector good enough for short client questions
//! ("harga visa C1?", "KITAS E33G requisiti?"): function words, common domain words, and word shapes
//! (Italian accents and endings, Indonesian affixes) each vote. Most of the file is those word lists.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    Id,
    It,
}

/// Function words: these alone decide most sentences.
const EN: &[&str] = &[
    "the", "a", "an", "and", "or", "of", "to", "in", "for", "on", "with", "is", "are", "be", "can", "i", "my", "me",
    "we", "you", "do", "does", "how", "what", "which", "who", "when", "where", "why", "it", "this", "that", "from",
    "by", "as", "at", "about", "need", "much", "many", "there", "any", "if", "will", "should", "get", "have", "has",
    "please", "tell", "long", "am", "was", "were", "would", "could", "our", "your", "their", "than", "after", "before",
    "into", "must", "may", "not", "want", "into", "us", "they", "he", "she", "its", "thanks", "thank", "hello", "hi",
    "bye", "goodbye",
];
const ID: &[&str] = &[
    "yang",
    "dan",
    "di",
    "ke",
    "dari",
    "untuk",
    "dengan",
    "apa",
    "apakah",
    "bagaimana",
    "berapa",
    "saya",
    "kami",
    "anda",
    "itu",
    "ini",
    "ada",
    "bisa",
    "dapat",
    "adalah",
    "atau",
    "juga",
    "tidak",
    "akan",
    "sudah",
    "dalam",
    "pada",
    "oleh",
    "mau",
    "ingin",
    "perlu",
    "harus",
    "tolong",
    "bagi",
    "kalau",
    "jika",
    "kapan",
    "siapa",
    "mana",
    "berapa",
    "lama",
    "boleh",
    "bisakah",
    "punya",
    "sebuah",
    "para",
    "kita",
    "belum",
    "masih",
    "sama",
    "agar",
    "supaya",
    "tentang",
    "secara",
    "setelah",
    "sebelum",
    "tersebut",
    "saja",
    "lagi",
    "gimana",
    "dong",
    "ya",
    // Greetings and thanks, so a reply to "Terima kasih" is in Indonesian.
    "terima",
    "kasih",
    "makasih",
    "selamat",
    "sampai",
    "jumpa",
];
/// Italian function words; greetings and thanks too (grazie, ciao…), so a reply to "Grazie mille" is in Italian.
#[rustfmt::skip] // one word per line otherwise: some words are longer than rustfmt's short-item width
const IT: &[&str] = &[
    "il", "lo", "la", "gli", "le", "un", "una", "uno", "di", "da", "del", "della", "dei", "delle", "dello", "degli",
    "con", "per", "su", "e", "che", "come", "cosa", "quale", "quali", "quanto", "quanta", "quanti", "sono", "mi", "ho",
    "posso", "non", "si", "al", "alla", "ai", "nel", "nella", "nei", "devo", "mio", "mia", "miei", "se", "ci", "vuole",
    "serve", "servono", "quando", "dove", "perché", "perche", "anche", "ma", "molto", "tutti", "io", "sul", "sulla",
    "qual", "c'è", "ce", "voglio", "vorrei", "può", "puo", "posso", "devono", "essere", "fare", "ha", "hanno",
    "abbiamo", "questo", "questa", "dopo", "prima", "entro", "tra", "fra", "grazie", "mille", "prego",
    "ciao", "buongiorno", "buonasera", "arrivederci",
];

/// Domain words clients use without function words ("harga visa C1?", "requisiti E33G").
const EN_DOMAIN: &[&str] = &[
    "price",
    "prices",
    "cost",
    "costs",
    "fee",
    "fees",
    "requirements",
    "company",
    "tax",
    "taxes",
    "stay",
    "permit",
    "work",
    "worker",
    "rules",
    "law",
    "business",
    "license",
    "licence",
    "property",
    "land",
    "lease",
    "rent",
    "owner",
    "ownership",
    "deadline",
    "renewal",
    "extension",
    "extend",
    "documents",
    "open",
    "setup",
    "retirement",
    "marriage",
    "spouse",
    "foreigner",
    "foreigners",
    "risk",
    "level",
    "levels",
];
const ID_DOMAIN: &[&str] = &[
    "bayar",
    "ga",
    "gak",
    "nggak",
    "enggak",
    "biayanya",
    "harganya",
    "gratis",
    "murah",
    "mahal",
    "cepat",
    "harga",
    "biaya",
    "syarat",
    "persyaratan",
    "izin",
    "perizinan",
    "perusahaan",
    "pajak",
    "tanah",
    "sewa",
    "kerja",
    "pekerja",
    "usaha",
    "berusaha",
    "pendirian",
    "dokumen",
    "perpanjangan",
    "orang",
    "asing",
    "warga",
    "negara",
    "berlaku",
    "wajib",
    "kewajiban",
    "sanksi",
    "denda",
    "modal",
    "tenaga",
    "risiko",
    "tingkat",
    "kegiatan",
    "pelaku",
    "bangunan",
    "lingkungan",
    "penanaman",
    "batas",
    "waktu",
    "bulan",
    "tahun",
    "hari",
    "mendirikan",
    "membuat",
    "membuka",
    "mengurus",
    "pengurusan",
    "lapor",
    "laporan",
];
const IT_DOMAIN: &[&str] = &[
    "bisogna",
    "occorre",
    "scadenze",
    "trimestrale",
    "mensile",
    "annuale",
    "minimo",
    "massimo",
    "salario",
    "stipendio",
    "tassa",
    "gratuito",
    "veloce",
    "pagare",
    "pagamento",
    "richiesta",
    "domanda",
    "prezzo",
    "prezzi",
    "costo",
    "costi",
    "costa",
    "requisiti",
    "società",
    "societa",
    "tasse",
    "imposte",
    "visto",
    "visti",
    "soggiorno",
    "permesso",
    "lavoro",
    "lavoratori",
    "stranieri",
    "straniero",
    "regole",
    "legge",
    "azienda",
    "impresa",
    "licenza",
    "immobile",
    "terreno",
    "affitto",
    "proprietà",
    "scadenza",
    "rinnovo",
    "proroga",
    "documenti",
    "aprire",
    "pensione",
    "pensionati",
    "investitore",
    "matrimonio",
    "coniuge",
    "rischio",
    "categorie",
    "livelli",
    "entrata",
    "vigore",
    "norme",
    "obblighi",
    "sanzioni",
    "autorizzazione",
    "aree",
    "forestali",
    "ambientale",
    "costruzione",
    "decreto",
    "articolo",
    "regolamento",
];

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Id => "id",
            Self::It => "it",
        }
    }

    /// Exactly `en`, `id` or `it` (stored values, API fields); [`Lang::from_code`] is the lenient reader.
    pub fn parse(code: &str) -> Option<Self> {
        [Self::En, Self::Id, Self::It].into_iter().find(|l| l.code() == code)
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code.trim().to_ascii_lowercase().get(..2)? {
            "en" => Some(Self::En),
            "id" | "in" => Some(Self::Id),
            "it" => Some(Self::It),
            _ => None,
        }
    }

    /// The language's name in that language ("italiano"), and in the other two, for framing quoted text.
    pub fn name_in(self, reader: Lang) -> &'static str {
        match (self, reader) {
            (Self::En, Self::En) => "English",
            (Self::En, Self::Id) => "bahasa Inggris",
            (Self::En, Self::It) => "inglese",
            (Self::Id, Self::En) => "Indonesian",
            (Self::Id, Self::Id) => "bahasa Indonesia",
            (Self::Id, Self::It) => "indonesiano",
            (Self::It, Self::En) => "Italian",
            (Self::It, Self::Id) => "bahasa Italia",
            (Self::It, Self::It) => "italiano",
        }
    }

    /// Best guess from the words of `text`; English when nothing points anywhere.
    pub fn detect(text: &str) -> Self {
        Self::detect_scored(text).0
    }

    /// The guess and whether any evidence supported it (a question of only codes and names has none).
    pub fn detect_scored(text: &str) -> (Self, bool) {
        // Clients quote the Indonesian term in brackets ("rapporto di investimento (laporan kegiatan…)"): the
        // question's language is what is outside them.
        let outside;
        let text = if text.bytes().any(|b| matches!(b, b'(' | b')' | b'[' | b']')) {
            outside = without_brackets(text);
            if outside.split_whitespace().nth(1).is_some() {
                outside.as_str()
            } else {
                text
            }
        } else {
            // Nothing to remove (most passages): no copy.
            text
        };
        let lower = text.to_lowercase();
        let words = lower
            .split(|c: char| !(c.is_alphanumeric() || c == '\''))
            .filter(|w| !w.is_empty());
        let mut score = [0.0f64; 3];
        let lexicon = lexicon();
        for w in words {
            let w = w.trim_matches('\'');
            let bare = w.split('\'').next_back().unwrap_or(w);
            let mut mask = lexicon.get(w).copied().unwrap_or(0);
            if bare.len() != w.len() {
                mask |= lexicon.get(bare).copied().unwrap_or(0);
            }
            for (i, s) in score.iter_mut().enumerate() {
                if mask & (1 << i) != 0 {
                    *s += 1.0;
                }
                if mask & (8 << i) != 0 {
                    *s += 0.8;
                }
            }
            score[2] += italian_shape(w);
            score[1] += indonesian_shape(w);
            score[0] += english_shape(w);
        }
        // "l'azienda", "dell'Indonesia": the elided article is Italian.
        if lower.contains("l'") || lower.contains("l’") {
            score[2] += 0.8 * lower.matches(['\'', '’']).count().min(2) as f64;
        }
        let best = (0..3).fold(0, |b, i| if score[i] > score[b] { i } else { b });
        let lang = [Self::En, Self::Id, Self::It][best];
        let second = (0..3).filter(|&i| i != best).map(|i| score[i]).fold(0.0, f64::max);
        (lang, score[best] > 0.0 && score[best] > second)
    }
}

/// Every listed word with the lists it is in: bit `i` a function word of language `i` (En, Id, It), bit
/// `3 + i` a domain word. Built once: scanning six lists per word made detection a tenth of an offline chat
/// answer's CPU (passages are detected too, to say when a quote is in another language).
fn lexicon() -> &'static rustc_hash::FxHashMap<&'static str, u8> {
    static LEXICON: std::sync::OnceLock<rustc_hash::FxHashMap<&'static str, u8>> = std::sync::OnceLock::new();
    LEXICON.get_or_init(|| {
        let mut map = rustc_hash::FxHashMap::default();
        for (bit, list) in [EN, ID, IT, EN_DOMAIN, ID_DOMAIN, IT_DOMAIN].iter().enumerate() {
            for w in list.iter() {
                *map.entry(*w).or_insert(0u8) |= 1 << bit;
            }
        }
        map
    })
}

/// The text with bracketed parts removed.
fn without_brackets(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// Accented vowels and the commonest Italian endings.
fn italian_shape(w: &str) -> f64 {
    let accents = w
        .chars()
        .filter(|c| matches!(c, 'à' | 'è' | 'é' | 'ì' | 'ò' | 'ù'))
        .count() as f64;
    let ending = [
        "zione", "zioni", "mente", "tà", "ggio", "gli", "zza", "ando", "endo", "ato", "ati", "ire",
    ]
    .iter()
    .any(|e| w.ends_with(e) && w.chars().count() > e.chars().count() + 2);
    accents * 0.8 + if ending { 0.4 } else { 0.0 }
}

/// Indonesian affixes: meng-/mem-/ber-/ter-/pe- … -kan/-an/-nya.
fn indonesian_shape(w: &str) -> f64 {
    let n = w.chars().count();
    if n < 6 || !w.is_ascii() {
        return 0.0;
    }
    let suffix = ["kan", "nya", "lah", "kah"].iter().any(|s| w.ends_with(s));
    let prefix = ["meng", "meny", "mem", "ber", "ter", "peng", "peny", "pem", "per", "ke"]
        .iter()
        .any(|p| w.starts_with(p));
    match (prefix, suffix) {
        (true, true) => 0.8,
        (false, true) => 0.4,
        _ => 0.0,
    }
}

/// English word shapes: -ing, -tion, -'s.
fn english_shape(w: &str) -> f64 {
    let n = w.chars().count();
    if (w.ends_with("ing") && n > 5) || (w.ends_with("tion") && n > 6) || w.ends_with("'s") {
        0.4
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names() {
        assert_eq!(Lang::from_code("id-ID"), Some(Lang::Id));
        assert_eq!(Lang::from_code("IT"), Some(Lang::It));
        assert_eq!(Lang::from_code("fr"), None);
        assert_eq!(Lang::Id.name_in(Lang::It), "indonesiano");
    }

    #[test]
    fn sentences() {
        assert_eq!(Lang::detect("Berapa biaya untuk membuat PT PMA di Bali?"), Lang::Id);
        assert_eq!(Lang::detect("Quanto costa aprire una società per il visto?"), Lang::It);
        assert_eq!(Lang::detect("How much does the KITAS cost?"), Lang::En);
        assert_eq!(
            Lang::detect("Quali sono le categorie di rischio nel sistema PBBR?"),
            Lang::It
        );
        assert_eq!(Lang::detect("Kapan PP 28/2025 mulai berlaku?"), Lang::Id);
        assert_eq!(
            Lang::detect("Cosa va indicato nel rapporto (laporan kegiatan penanaman modal)?"),
            Lang::It,
            "the bracketed Indonesian term does not decide"
        );
    }

    #[test]
    fn short_questions() {
        for (q, l) in [
            ("harga visa C1?", Lang::Id),
            ("KITAS E33G requisiti?", Lang::It),
            ("E33G requirements", Lang::En),
            ("prezzo KITAP", Lang::It),
            ("syarat KITAS investor", Lang::Id),
            ("società PT PMA", Lang::It),
            ("C1 visa price", Lang::En),
        ] {
            assert_eq!(Lang::detect(q), l, "{q}");
        }
        assert_eq!(Lang::detect_scored("E33G?"), (Lang::En, false));
        assert!(Lang::detect_scored("harga visa C1?").1);
    }
}
