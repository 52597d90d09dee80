//! The framing text of an answer, in the reader's language.

use crate::lang::Lang;

pub struct Phrases {
    pub lead: &'static str,
    /// Before statements that may only partly answer (low confidence).
    pub weak_lead: &'static str,
    /// Abstention: nothing in the sources answers; offers the consultants instead of guessing.
    pub unknown: &'static str,
    /// After `unknown`, before the closest statements when they may still help.
    pub related: &'static str,
    pub sources: &'static str,
}

pub fn phrases(lang: Lang) -> Phrases {
    match lang {
        Lang::En => Phrases {
            lead: "From Bali Zero's knowledge base and price list:",
            weak_lead: "The closest information in Bali Zero's sources (it may not fully answer your question):",
            unknown: "I don't know: Bali Zero's knowledge base does not cover this question, and I would rather not \
                      guess. A Bali Zero consultant can look into it for you: ask for a consultation here or write to \
                      the team.",
            related: "The closest information in Bali Zero's sources, which may not apply to your case:",
            sources: "Sources:",
        },
        Lang::Id => Phrases {
            lead: "Dari basis pengetahuan dan daftar harga Bali Zero:",
            weak_lead: "Informasi terdekat dari sumber Bali Zero (mungkin belum menjawab pertanyaan Anda sepenuhnya):",
            unknown:
                "Saya tidak tahu: basis pengetahuan Bali Zero tidak mencakup pertanyaan ini, dan saya tidak ingin \
                      menebak. Konsultan Bali Zero dapat membantu Anda: minta konsultasi di sini atau hubungi tim kami.",
            related: "Informasi terdekat dari sumber Bali Zero, yang mungkin tidak berlaku untuk kasus Anda:",
            sources: "Sumber:",
        },
        Lang::It => Phrases {
            lead: "Dalla base di conoscenza e dal listino prezzi di Bali Zero:",
            weak_lead: "Le informazioni più vicine nelle fonti di Bali Zero (potrebbero non rispondere del tutto alla \
                        domanda):",
            unknown:
                "Non lo so: la base di conoscenza di Bali Zero non copre questa domanda e preferisco non tirare a \
                      indovinare. Un consulente di Bali Zero può approfondire per te: chiedi qui una consulenza o \
                      scrivi al team.",
            related: "Le informazioni più vicine nelle fonti di Bali Zero, che potrebbero non riguardare il tuo caso:",
            sources: "Fonti:",
        },
    }
}

/// "(testo originale della fonte [1], in indonesiano)": said once per source quoted in another language.
pub fn quoted_note(reader: Lang, source: Lang, n: usize) -> String {
    let name = source.name_in(reader);
    match reader {
        Lang::En => format!("(quoted from source [{n}], in {name})"),
        Lang::Id => format!("(kutipan dari sumber [{n}], dalam {name})"),
        Lang::It => format!("(testo originale della fonte [{n}], in {name})"),
    }
}
