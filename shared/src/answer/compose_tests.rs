use super::*;
use crate::answer::ToolResult;
use serde_json::json;

fn passage(label: &str, title: &str, text: &str) -> Passage {
    Passage {
        title: title.into(),
        label: label.into(),
        text: text.into(),
    }
}

fn ctx(query: &str, lang: Lang, passages: Vec<Passage>) -> AnswerContext {
    AnswerContext {
        query: query.into(),
        lang,
        passages,
        ..Default::default()
    }
}

const PASAL_128: &str = "PP 28/2025 Pasal 128 (BAB III Perizinan Berusaha)\n\
(1) Berdasarkan penilaian tingkat bahaya, tingkat Risiko dan peringkat skala usaha kegiatan usaha, ditetapkan menjadi:\n\
a. kegiatan usaha dengan tingkat Risiko rendah;\n\
b. kegiatan usaha dengan tingkat Risiko menengah; dan\n\
c. kegiatan usaha dengan tingkat Risiko tinggi.\n\
(2) Kegiatan usaha dengan tingkat Risiko menengah sebagaimana dimaksud pada ayat (1) huruf b terbagi atas:\n\
a. tingkat Risiko menengah rendah; dan\n\
b. tingkat Risiko menengah tinggi.";

#[test]
fn the_italian_risk_question_gets_the_categories_not_labels_framed_in_italian() {
    let c = ctx(
        "Quali sono le categorie di rischio nel sistema PBBR?",
        Lang::It,
        vec![
            passage(
                "PP 28/2025 Penjelasan",
                "PP 28/2025",
                "PP 28/2025 Penjelasan\nCukup jelas.",
            ),
            passage("PP 28/2025 Pasal 128", "PP 28/2025", PASAL_128),
        ],
    );
    let a = compose(&c, false);
    assert!(a.starts_with("Dalla base di conoscenza"), "{a}");
    for fact in ["Risiko rendah", "menengah rendah", "menengah tinggi", "Risiko tinggi"] {
        assert!(a.contains(fact), "{fact} missing: {a}");
    }
    assert!(
        a.contains("[2]") && a.contains("in indonesiano"),
        "cited, marked as Indonesian text: {a}"
    );
    assert!(!a.contains("- PP 28/2025"), "no bare titles as statements: {a}");
    assert!(a.contains("Fonti:\n") && a.contains("PP 28/2025 Pasal 128"), "{a}");
}

#[test]
fn lists_stay_whole_and_the_best_passage_is_always_quoted() {
    let c = ctx(
        "What are the basic requirements?",
        Lang::En,
        vec![
            passage(
                "Licensing guide",
                "OSS guide",
                "Basic requirements cover three things:\n- spatial suitability (KKPR);\n- environmental approval;\n- building approval (PBG) and SLF.",
            ),
            passage("Other", "Other", "Requirements for visas are listed elsewhere in the guide for tourists."),
        ],
    );
    let a = compose(&c, false);
    assert!(
        a.contains("- Basic requirements cover three things:\n  - spatial suitability (KKPR);\n  - environmental approval;\n  - building approval (PBG) and SLF. [1]"),
        "{a}"
    );
}

#[test]
fn table_headers_and_colon_lines_are_never_statements() {
    let c = ctx(
        "When is the LKPM deadline?",
        Lang::En,
        vec![passage(
            "Tax calendar",
            "Deadlines",
            "## Deadlines\nKey dates:\n\n| Obligation | Deadline |\n|---|---|\n| LKPM report | the 15th of the month after each quarter |",
        )],
    );
    let a = compose(&c, false);
    assert!(
        a.contains("- LKPM report; Deadline: the 15th of the month after each quarter [1]"),
        "{a}"
    );
    assert!(!a.contains("| Obligation") && !a.contains("Key dates:"), "{a}");
}

#[test]
fn sentences_are_not_cut_at_abbreviations() {
    let c = ctx(
        "Which law governs overstay fines?",
        Lang::En,
        vec![passage(
            "Overstay",
            "Overstay",
            "Overstay fines are set by law (Art. 78 of Law 6/2011, e.g. IDR 1,000,000 per day). Pay them before departure.",
        )],
    );
    let a = compose(&c, false);
    assert!(
        a.contains("Overstay fines are set by law (Art. 78 of Law 6/2011, e.g. IDR 1,000,000 per day). [1]"),
        "{a}"
    );
}

#[test]
fn not_answerable_means_a_plain_i_dont_know_in_the_readers_language() {
    for (lang, start) in [
        (Lang::En, "I don't know"),
        (Lang::Id, "Saya tidak tahu"),
        (Lang::It, "Non lo so"),
    ] {
        let mut c = ctx(
            "custody of children after divorce",
            lang,
            vec![passage(
                "Marriage",
                "E31",
                "The spouse KITAS E31A is sponsored by the Indonesian spouse.",
            )],
        );
        c.answerable = Some(false);
        c.confidence = Some(0.1);
        let a = compose(&c, false);
        assert!(a.starts_with(start), "{a}");
        assert!(!a.contains("E31A") && !a.contains("[1]"), "no unrelated text: {a}");
        let lower = a.to_lowercase();
        assert!(lower.contains("consul") || lower.contains("konsultan"), "{a}");
    }
}

#[test]
fn tool_figures_come_first_and_answer_even_when_passages_do_not() {
    let mut c = ctx("Berapa harga visa C1?", Lang::Id, vec![]);
    c.tool_results = vec![ToolResult {
        name: "prices".into(),
        summary: String::new(),
        value: json!([{"service": "C1 Tourism", "price_idr": 2300000, "extension_idr": 1700000}]),
    }];
    c.answerable = Some(false);
    let a = compose(&c, false);
    assert_eq!(
        a,
        "Dari basis pengetahuan dan daftar harga Bali Zero:\n\n- C1 Tourism: IDR 2,300,000; extension IDR 1,700,000"
    );
}

fn no_price(query: &str) -> ToolResult {
    ToolResult {
        name: "get_pricing".into(),
        summary: format!("No service in the 2025 price list matches \"{query}\"."),
        value: json!({ "query": query, "services": [] }),
    }
}

#[test]
fn a_lookup_that_found_nothing_neither_cuts_the_passages_nor_answers() {
    // Five passages, one statement each: a tool with figures keeps three of them; one without keeps all.
    let passages: Vec<Passage> = (1..=5)
        .map(|i| {
            passage(
                &format!("Guide {i}"),
                "Visa on arrival",
                &format!("The visa on arrival rule {i} costs {i}00 days of stay."),
            )
        })
        .collect();
    let mut c = ctx("How much is the visa on arrival?", Lang::En, passages);
    c.tool_results = vec![no_price("VoA")];
    let a = compose(&c, false);
    assert!(
        a.starts_with("From Bali Zero's knowledge base and price list:\n\n- No service"),
        "{a}"
    );
    assert_eq!(a.matches("The visa on arrival rule").count(), 5, "{a}");

    c.tool_results = vec![ToolResult {
        name: "get_pricing".into(),
        summary: "VoA: IDR 500,000".into(),
        value: json!({ "query": "VoA", "services": [{ "service": "VoA" }] }),
    }];
    assert_eq!(compose(&c, false).matches("The visa on arrival rule").count(), 3);

    // Judged unanswerable: a tool with figures still answers; one that found nothing does not.
    c.answerable = Some(false);
    c.confidence = Some(0.1);
    assert!(compose(&c, false).contains("VoA: IDR 500,000"));
    c.tool_results = vec![no_price("VoA")];
    let a = compose(&c, false);
    assert!(a.contains("- No service") && a.contains("I don't know"), "{a}");
    assert!(!a.contains("The visa on arrival rule"), "{a}");
}

#[test]
fn old_visa_names_are_explained_in_the_readers_language() {
    let c = ctx(
        "Posso ancora chiedere il B211A?",
        Lang::It,
        vec![passage(
            "C1",
            "C1 Tourist Visa",
            "The C1 visa allows a stay of 60 days, extendable twice by 60 days.",
        )],
    );
    let a = compose(&c, false);
    assert!(a.contains("B211A è il vecchio nome"), "{a}");
    assert!(a.contains("60 days"), "{a}");
}

#[test]
fn answers_are_bounded_deterministic_and_continue_without_a_lead() {
    let long = "The KITAS permit allows residence for investors who hold shares. ".repeat(40);
    let c = ctx(
        "KITAS investor",
        Lang::En,
        (0..8)
            .map(|i| {
                passage(
                    &format!("L{i}"),
                    "T",
                    &format!("{long} Variant {i} about KITAS investor rules."),
                )
            })
            .collect(),
    );
    let a = compose(&c, false);
    let bullets = a.lines().filter(|l| l.starts_with("- ")).count();
    assert!((1..=MAX_UNITS).contains(&bullets), "{a}");
    assert!(!a.contains("[6]"), "only the top passages: {a}");
    assert_eq!(a, compose(&c, false));
    let cont = compose(&c, true);
    assert!(cont.starts_with("\n\n- ") && !cont.contains("knowledge base"), "{cont}");
}

#[test]
fn near_misses_say_they_do_not_know_then_show_the_closest_statements_marked_as_such() {
    let mut c = ctx(
        "Can my spouse work on a family KITAS?",
        Lang::En,
        vec![passage(
            "E31",
            "Family KITAS",
            "The spouse KITAS E31A is sponsored by the Indonesian spouse. It does not allow employment without a work permit.",
        )],
    );
    c.answerable = Some(false);
    c.confidence = Some(0.4);
    let a = compose(&c, false);
    assert!(a.starts_with("I don't know"), "{a}");
    assert!(
        a.contains("may not apply") && a.contains("work permit") && a.contains("[1]"),
        "{a}"
    );
    assert!(a.contains("Sources:\n[1]"), "{a}");
}

/// A worked example's result shares few of the question's words with it; its figure and its passage's rank
/// get it quoted all the same. And a duration question gets the statement with the duration.
#[test]
fn the_statement_with_the_asked_value_is_quoted_though_it_shares_few_words() {
    let example = "Stamp duty on a lease. The stamp duty on a lease agreement is a fixed amount per document. \
        Leases longer than one year are usually notarised. Example: a villa lease signed by both parties. \
        Each original copy needs its own stamp. Result: IDR 10,000 for each signed original.";
    let c = ctx(
        "What stamp duty applies to our villa lease agreement?",
        Lang::En,
        vec![
            passage("Leases › Stamp duty", "Leases", example),
            passage(
                "Leases › Notary",
                "Leases",
                "A notary drafts the lease agreement of a villa lease and keeps the minuta.",
            ),
        ],
    );
    let a = compose(&c, false);
    assert!(a.contains("IDR 10,000"), "{a}");

    let c = ctx(
        "How fast do I have to reply to the tax office letter?",
        Lang::En,
        vec![passage(
            "Tax letters",
            "Tax letters",
            "The tax office letter asks you to explain data.\n- The tax office letter is not an audit.\n\
             - An ignored tax office letter can lead to an audit of the tax office.\n- Reply in writing, usually within 14 days.",
        )],
    );
    let a = compose(&c, false);
    assert!(a.contains("within 14 days"), "{a}");
}

#[test]
fn a_sentence_repeated_by_overlapping_chunks_is_quoted_once() {
    let fee = "The E33G remote worker KITAS costs IDR 12,500,000 for one year.";
    let c = ctx(
        "How much is the E33G remote worker KITAS?",
        Lang::En,
        vec![
            passage("E33G", "E33G guide", &format!("{fee} It is sponsored by the firm.")),
            passage("E33G", "E33G guide", &format!("{fee} Income abroad must be shown.")),
        ],
    );
    let a = compose(&c, false);
    assert_eq!(a.matches("12,500,000").count(), 1, "{a}");
    // The rule itself: seven tenths of the distinct words shared, case and repeats aside.
    let set = WordSet::of;
    let ten = set("one two three four five six seven eight nine ten");
    assert!(similar(
        &ten,
        &set("ONE two two three four five six seven eight nine ten eleven")
    ));
    // Seven shared of ten distinct in all is enough; seven of eleven is not.
    assert!(similar(&ten, &set("one two three four five six seven")));
    assert!(!similar(&ten, &set("one two three four five six seven eleven")));
}
