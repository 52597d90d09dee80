//! Greetings and thanks ("Hi", "Grazie mille!", "Terima kasih", "ok great"): messages with no question for the
//! knowledge base. Searched as questions, "Thanks!" was answered with a passage on thank-you hampers to civil
//! servants and "Hello" with "I don't know". They get a short reply in the reader's language instead, with no
//! search and no sources.

use crate::lang::Lang;
use crate::search::words::words;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Courtesy {
    Greeting,
    Thanks,
    Goodbye,
}

const GREETINGS: &[&str] = &[
    "hi",
    "hello",
    "hey",
    "halo",
    "hai",
    "hallo",
    "ciao",
    "salve",
    "buongiorno",
    "buonasera",
    "selamat",
    "pagi",
    "siang",
    "sore",
    "malam",
    "morning",
    "afternoon",
    "evening",
];
const THANKS: &[&str] = &[
    "thanks", "thank", "thx", "ty", "grazie", "terima", "kasih", "makasih", "trims", "tks",
];
const GOODBYES: &[&str] = &["bye", "goodbye", "arrivederci", "sampai", "jumpa", "later", "presto"];
/// Acknowledgements: answered like thanks.
const ACKS: &[&str] = &[
    "ok",
    "okay",
    "oke",
    "great",
    "perfect",
    "perfetto",
    "perfetta",
    "ottimo",
    "baik",
    "sip",
    "cool",
    "nice",
    "good",
    "bene",
    "benissimo",
    "mantap",
    "noted",
    "understood",
    "capito",
];
/// Words that may stand beside the others without making a question of them.
const FILLERS: &[&str] = &[
    "you",
    "so",
    "much",
    "very",
    "a",
    "lot",
    "mille",
    "tante",
    "banyak",
    "all",
    "everyone",
    "there",
    "team",
    "again",
    "really",
    "zantara",
    "nuzantara",
    "bali",
    "zero",
    "and",
    "e",
    "dan",
    "the",
    "for",
    "your",
    "help",
    "per",
    "l",
    "aiuto",
    "atas",
    "bantuannya",
    "bantuan",
    "tutto",
    "see",
    "soon",
    "pak",
    "bu",
    "kak",
    "mas",
    "that",
    "this",
    "it",
    "is",
    "was",
    "helps",
    "helped",
    "helpful",
    "useful",
    "clear",
    "me",
    "molto",
    "utile",
    "chiaro",
    "sangat",
    "membantu",
    "jelas",
];

/// The kind of courtesy `text` is, when it is nothing else.
pub fn courtesy(text: &str) -> Option<Courtesy> {
    let ws = words(text);
    let (mut greeting, mut thanks, mut goodbye) = (false, false, false);
    for w in &ws {
        let w = w.as_str();
        if THANKS.contains(&w) {
            thanks = true;
        } else if GOODBYES.contains(&w) {
            goodbye = true;
        } else if GREETINGS.contains(&w) {
            greeting = true;
        } else if ACKS.contains(&w) {
            thanks |= !greeting && !goodbye;
        } else if !FILLERS.contains(&w) {
            return None;
        }
    }
    if thanks {
        Some(Courtesy::Thanks)
    } else if goodbye {
        Some(Courtesy::Goodbye)
    } else if greeting {
        Some(Courtesy::Greeting)
    } else {
        None
    }
}

/// The reply to a courtesy, in the reader's language: what the assistant can help with.
pub fn reply(c: Courtesy, lang: Lang) -> &'static str {
    match (c, lang) {
        (Courtesy::Greeting, Lang::En) => {
            "Hello! I'm Nuzantara, Bali Zero's assistant. Ask me about visas and stay permits (KITAS, KITAP), setting \
             up a PT PMA, KBLI codes, licensing, tax or property in Indonesia."
        }
        (Courtesy::Greeting, Lang::Id) => {
            "Halo! Saya Nuzantara, asisten Bali Zero. Tanyakan tentang visa dan izin tinggal (KITAS, KITAP), pendirian \
             PT PMA, kode KBLI, perizinan, pajak, atau properti di Indonesia."
        }
        (Courtesy::Greeting, Lang::It) => {
            "Ciao! Sono Nuzantara, l'assistente di Bali Zero. Chiedimi di visti e permessi di soggiorno (KITAS, KITAP), \
             costituzione di una PT PMA, codici KBLI, licenze, tasse o immobili in Indonesia."
        }
        (Courtesy::Thanks, Lang::En) => {
            "You're welcome! If anything else comes up about your visa, company, tax or property in Indonesia, just ask."
        }
        (Courtesy::Thanks, Lang::Id) => {
            "Sama-sama! Jika ada pertanyaan lain tentang visa, perusahaan, pajak, atau properti Anda di Indonesia, \
             silakan tanyakan."
        }
        (Courtesy::Thanks, Lang::It) => {
            "Prego! Se hai altre domande su visti, società, tasse o immobili in Indonesia, chiedi pure."
        }
        (Courtesy::Goodbye, Lang::En) => {
            "Goodbye, and good luck in Bali! Come back any time with questions about visas, companies, tax or property."
        }
        (Courtesy::Goodbye, Lang::Id) => {
            "Sampai jumpa, semoga sukses di Bali! Silakan kembali kapan saja dengan pertanyaan tentang visa, \
             perusahaan, pajak, atau properti."
        }
        (Courtesy::Goodbye, Lang::It) => {
            "Arrivederci e buona fortuna a Bali! Torna quando vuoi per domande su visti, società, tasse o immobili."
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Courtesy::*;

    #[test]
    fn greetings_thanks_and_goodbyes_in_three_languages() {
        for (text, want) in [
            ("Hi", Greeting),
            ("Hello there!", Greeting),
            ("Selamat pagi, Pak", Greeting),
            ("Buongiorno", Greeting),
            ("Thanks!", Thanks),
            ("Thank you so much", Thanks),
            ("ok great, thanks", Thanks),
            ("Grazie mille per l'aiuto", Thanks),
            ("Terima kasih banyak atas bantuannya", Thanks),
            ("Perfetto", Thanks),
            ("Thanks, that helps!", Thanks),
            ("Bye!", Goodbye),
            ("Arrivederci", Goodbye),
            ("Sampai jumpa", Goodbye),
        ] {
            assert_eq!(courtesy(text), Some(want), "{text}");
        }
    }

    #[test]
    fn anything_with_a_question_in_it_is_not_courtesy() {
        for text in [
            "Hi, how much is a KITAS?",
            "Thanks, and can my wife join me?",
            "Grazie, quanto costa il visto C1?",
            "Halo, berapa harga PT PMA?",
            "What is good for a restaurant?",
            "",
            "?!",
            "KBLI",
        ] {
            assert_eq!(courtesy(text), None, "{text}");
        }
    }

    #[test]
    fn replies_are_in_the_readers_language() {
        assert!(reply(Greeting, Lang::It).starts_with("Ciao"));
        assert!(reply(Thanks, Lang::Id).starts_with("Sama-sama"));
        assert!(reply(Goodbye, Lang::En).starts_with("Goodbye"));
    }
}
