//! Function words of English, Indonesian and Italian: left out of a question's search terms, so that they
//! neither match every passage (English "need", Indonesian "harus") nor count as words the sources lack when
//! the answer's coverage of the question is judged (Italian "quando", "devo" never occur in the Indonesian
//! statute). The English and Italian lists follow the Snowball stopword lists (articles, pronouns,
//! prepositions and their contractions, the forms of the auxiliaries), with question words and modal verbs
//! added; the Indonesian list is its particles, pronouns, conjunctions and question words. Words that carry a
//! question's meaning in this domain stay searchable even where Snowball lists them: "own" (can a foreigner
//! own land), "ha" (hectares).

/// Normalised (lowercase, no diacritics; elisions split, "dell'" → "dell"), sorted, no duplicates: looked up
/// by binary search ([`is_stopword`]).
// Packed, not one word per line, so the list reads in one screen.
#[rustfmt::skip]
const WORDS: &[&str] = &[
    "a", "abbia", "abbiamo", "abbiano", "abbiate", "about", "above", "ad", "ada", "adalah", "after", "again",
    "against", "agar", "agl", "agli", "ai", "akan", "aku", "al", "all", "alla", "alle", "allo", "also", "am", "an",
    "anche", "and", "anda", "antara", "any", "apa", "apabila", "apakah", "are", "as", "at", "atau", "avemmo",
    "avendo", "avere", "avesse", "avessero", "avete", "aveva", "avevano", "avevo", "avrebbe", "avrei", "avremo",
    "avro", "bagaimana", "bagaimanakah", "bahwa", "be", "been", "before", "being", "below", "belum", "berapa",
    "between", "bila", "bisa", "bisogna", "boleh", "both", "bukan", "but", "by", "c", "can", "cannot", "che", "ci",
    "coi", "col", "come", "con", "cos", "cosa", "could", "cui", "d", "da", "dagl", "dagli", "dai", "dal", "dalam",
    "dall", "dalla", "dalle", "dallo", "dan", "dapat", "dari", "degl", "degli", "dei", "del", "dell", "della",
    "delle", "dello", "dengan", "deve", "devo", "devono", "di", "dia", "did", "dimana", "do", "does", "doing", "don",
    "dov", "dove", "down", "during", "e", "each", "ed", "era", "erano", "ero", "essere", "fa", "faccio", "fanno",
    "fare", "few", "fino", "for", "from", "further", "gimana", "gli", "had", "harus", "has", "have", "having", "he",
    "her", "here", "hers", "herself", "him", "himself", "his", "ho", "how", "i", "ialah", "if", "il", "in", "ingin",
    "ini", "into", "io", "is", "it", "its", "itself", "itu", "jadi", "jika", "juga", "just", "kah", "kalau", "kalian",
    "kami", "kamu", "kapan", "karena", "ke", "kenapa", "kita", "l", "la", "lah", "le", "lei", "li", "lo", "loro",
    "lui", "ma", "maka", "mana", "many", "masih", "mau", "may", "me", "mengapa", "mereka", "merupakan", "mi", "mia",
    "mie", "miei", "might", "mio", "mohon", "more", "most", "much", "must", "my", "myself", "namun", "ne", "need",
    "needs", "negl", "negli", "nei", "nel", "nell", "nella", "nelle", "nello", "no", "noi", "non", "nor", "nostra",
    "nostre", "nostri", "nostro", "not", "now", "o", "of", "off", "oleh", "on", "once", "only", "or", "other", "our",
    "ours", "ourselves", "out", "over", "pada", "para", "per", "perche", "perlu", "please", "posso", "possono",
    "potrei", "pun", "punya", "puo", "qual", "quale", "quali", "quando", "quant", "quanta", "quante", "quanti",
    "quanto", "quel", "quella", "quelle", "quelli", "quello", "quest", "questa", "queste", "questi", "questo", "s",
    "saja", "sampai", "sangat", "saya", "se", "sebagai", "sebelum", "sedang", "sehingga", "sei", "selama", "seperti",
    "serta", "serve", "servono", "sesudah", "setelah", "shall", "she", "should", "si", "sia", "siamo", "siano",
    "siapa", "siete", "so", "some", "sono", "su", "such", "sudah", "sugl", "sugli", "sui", "sul", "sull", "sulla",
    "sulle", "sullo", "supaya", "t", "tapi", "telah", "tentang", "terhadap", "tersebut", "tetapi", "than", "that",
    "the", "their", "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those", "through",
    "ti", "tidak", "to", "too", "tra", "tu", "tua", "tue", "tuo", "tuoi", "tutti", "tutto", "un", "una", "under",
    "uno", "until", "untuk", "up", "us", "very", "vi", "voglio", "voi", "vorrei", "vostra", "vostre", "vostri",
    "vostro", "want", "wants", "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom", "whose",
    "why", "will", "with", "would", "ya", "yaitu", "yakni", "yang", "you", "your", "yours", "yourself", "yourselves",
];

/// Whether a normalised word is a function word of one of the three languages.
pub fn is_stopword(word: &str) -> bool {
    WORDS.binary_search(&word).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::analyze::tokens;

    #[test]
    fn the_list_is_sorted_normalised_and_without_duplicates() {
        for pair in WORDS.windows(2) {
            assert!(pair[0] < pair[1], "{} before {}", pair[0], pair[1]);
        }
        for w in WORDS {
            assert_eq!(tokens(w), [*w], "{w} is not one normalised word");
        }
    }

    #[test]
    fn function_words_of_each_language_are_found_and_domain_words_are_not() {
        for w in [
            "the", "need", "quando", "devo", "dell", "perche", "harus", "saja", "kapan",
        ] {
            assert!(is_stopword(w), "{w}");
        }
        for w in [
            "own", "ha", "visa", "kitas", "tanah", "terreno", "izin", "stay", "tinggal", "new", "giorni",
        ] {
            assert!(!is_stopword(w), "{w}");
        }
    }
}
