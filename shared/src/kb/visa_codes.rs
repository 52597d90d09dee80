//! Visa index names used before Permenkumham No. 22/2023 (B211A, D212, C312…), which clients still
//! quote, mapped to the current indices. Only mappings we are confident about are listed (they agree with
//! kb-build/kb/visa_oracle/old-visa-codes-mapping.md); B211B, whose purposes were split, only says that the
//! index was replaced. B211C and C311/C315/C316/C318/C320 have no one-to-one equivalent and are left out.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Legacy {
    /// The old index, uppercase ("B211A").
    pub old: &'static str,
    /// The current indices it maps to (may be empty when the purpose decides).
    pub current: &'static [&'static str],
    pub note_en: &'static str,
    pub note_id: &'static str,
    pub note_it: &'static str,
}

impl Legacy {
    /// The note in a language code ("en", "id", "it"); English otherwise.
    pub fn note(&self, lang: &str) -> &'static str {
        match lang {
            "id" => self.note_id,
            "it" => self.note_it,
            _ => self.note_en,
        }
    }
}

pub const LEGACY: &[Legacy] = &[
    Legacy {
        old: "B211",
        current: &["C1", "C2"],
        note_en: "B211 (the old social-cultural visit visa) is the old name; since 2023 it is C1 (tourism, family or social visits) or C2 (business meetings).",
        note_id: "B211 (visa kunjungan sosial budaya lama) adalah nama lama; sejak 2023 menjadi C1 (wisata, kunjungan keluarga atau sosial) atau C2 (pertemuan bisnis).",
        note_it: "B211 (il vecchio visto socio-culturale) è il vecchio nome; dal 2023 è C1 (turismo, visite a familiari o sociali) o C2 (incontri d'affari).",
    },
    Legacy {
        old: "B211A",
        current: &["C1", "C2"],
        note_en: "B211A is the old name; since 2023 it is C1 (tourism, family or social visits) or C2 (business meetings).",
        note_id: "B211A adalah nama lama; sejak 2023 menjadi C1 (wisata, kunjungan keluarga atau sosial) atau C2 (pertemuan bisnis).",
        note_it: "B211A è il vecchio nome; dal 2023 è C1 (turismo, visite a familiari o sociali) o C2 (incontri d'affari).",
    },
    Legacy {
        old: "B211B",
        current: &[],
        note_en: "B211B is an old index that was replaced in 2023; the current visa depends on the purpose of the visit, so please confirm it with a consultant.",
        note_id: "B211B adalah indeks lama yang sudah diganti pada 2023; visa yang berlaku sekarang tergantung tujuan kunjungan, jadi mohon konfirmasi dengan konsultan.",
        note_it: "B211B è un vecchio indice sostituito nel 2023; il visto attuale dipende dallo scopo del viaggio, quindi verificalo con un consulente.",
    },
    Legacy {
        old: "B213",
        current: &["B1"],
        note_en: "B213 is the old name of the Visa on Arrival; since 2023 it is index B1.",
        note_id: "B213 adalah nama lama Visa on Arrival (Visa Kunjungan Saat Kedatangan); sejak 2023 menjadi indeks B1.",
        note_it: "B213 è il vecchio nome del visto all'arrivo (VoA); dal 2023 è l'indice B1.",
    },
    Legacy {
        old: "VOA",
        current: &["B1"],
        note_en: "The Visa on Arrival (VoA) is index B1 since 2023 (formerly B213).",
        note_id: "Visa on Arrival (VoA) adalah indeks B1 sejak 2023 (sebelumnya B213).",
        note_it: "Il visto all'arrivo (VoA) è l'indice B1 dal 2023 (prima B213).",
    },
    Legacy {
        old: "D212",
        current: &["D2"],
        note_en: "D212 is the old name; since 2023 the multiple-entry business visa is D2.",
        note_id: "D212 adalah nama lama; sejak 2023 visa bisnis beberapa kali perjalanan menjadi D2.",
        note_it: "D212 è il vecchio nome; dal 2023 il visto d'affari per ingressi multipli è D2.",
    },
    Legacy {
        old: "C312",
        current: &["E23"],
        note_en: "C312 is the old name; since 2023 the working KITAS is E23.",
        note_id: "C312 adalah nama lama; sejak 2023 KITAS kerja menjadi E23.",
        note_it: "C312 è il vecchio nome; dal 2023 il KITAS per lavoro è E23.",
    },
    Legacy {
        old: "C313",
        current: &["E28A"],
        note_en: "C313 is the old name; since 2023 the investor KITAS is E28A.",
        note_id: "C313 adalah nama lama; sejak 2023 KITAS investor menjadi E28A.",
        note_it: "C313 è il vecchio nome; dal 2023 il KITAS per investitori è E28A.",
    },
    Legacy {
        old: "C314",
        current: &["E28A"],
        note_en: "C314 is the old name; since 2023 the investor KITAS is E28A.",
        note_id: "C314 adalah nama lama; sejak 2023 KITAS investor menjadi E28A.",
        note_it: "C314 è il vecchio nome; dal 2023 il KITAS per investitori è E28A.",
    },
    Legacy {
        old: "C317",
        current: &["E31A", "E31B"],
        note_en: "C317 is the old name; since 2023 family KITAS are the E31 series (E31A spouse of an Indonesian, E31B spouse of a foreign permit holder, other E31 sub-indices for children and parents).",
        note_id: "C317 adalah nama lama; sejak 2023 KITAS keluarga adalah seri E31 (E31A suami/istri WNI, E31B suami/istri orang asing pemegang izin tinggal, sub-indeks E31 lain untuk anak dan orang tua).",
        note_it: "C317 è il vecchio nome; dal 2023 i KITAS familiari sono la serie E31 (E31A coniuge di un cittadino indonesiano, E31B coniuge di uno straniero con permesso, altri sotto-indici E31 per figli e genitori).",
    },
    Legacy {
        old: "C319",
        current: &["E33F"],
        note_en: "C319 is the old name; since 2023 the retirement KITAS is E33F.",
        note_id: "C319 adalah nama lama; sejak 2023 KITAS lansia (pensiunan) menjadi E33F.",
        note_it: "C319 è il vecchio nome; dal 2023 il KITAS per pensionati è E33F.",
    },
];

/// The legacy entry for an old index, case-insensitive, ignoring spaces, dots and dashes ("b211a",
/// "B-211A", "VoA"). `None` for current indices and anything else.
pub fn legacy(code: &str) -> Option<&'static Legacy> {
    let key: String = code
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '_'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if key.is_empty() || key.len() > 6 {
        return None;
    }
    LEGACY.iter().find(|l| l.old == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_names_map_to_current_indices() {
        let cases: &[(&str, &[&str])] = &[
            ("B211A", &["C1", "C2"]),
            ("b211a", &["C1", "C2"]),
            ("B211", &["C1", "C2"]),
            (" B-211A ", &["C1", "C2"]),
            ("D212", &["D2"]),
            ("c312", &["E23"]),
            ("C313", &["E28A"]),
            ("C314", &["E28A"]),
            ("C317", &["E31A", "E31B"]),
            ("C319", &["E33F"]),
            ("B213", &["B1"]),
            ("VoA", &["B1"]),
            ("B211B", &[]),
        ];
        for (old, current) in cases {
            assert_eq!(legacy(old).map(|l| l.current), Some(*current), "{old}");
        }
        for other in ["C1", "E33G", "KITAS", "B211C", "C316", "", "B211AB", "56101"] {
            assert!(legacy(other).is_none(), "{other}");
        }
    }

    #[test]
    fn notes_say_the_name_changed_in_three_languages() {
        for l in LEGACY {
            assert!(l.note_en.contains(l.old) || l.old == "VOA", "{}", l.old);
            for note in [l.note_en, l.note_id, l.note_it] {
                assert!(note.contains("2023"), "{}: {note}", l.old);
                for c in l.current {
                    assert!(note.contains(c), "{}: {note} should name {c}", l.old);
                }
            }
            assert_eq!(l.note("it"), l.note_it);
            assert_eq!(l.note("id"), l.note_id);
            assert_eq!(l.note("xx"), l.note_en);
        }
        assert_eq!(
            legacy("B211A").unwrap().note_en,
            "B211A is the old name; since 2023 it is C1 (tourism, family or social visits) or C2 (business meetings)."
        );
        assert!(legacy("B211B").unwrap().note_en.contains("consultant"));
        assert!(legacy("B211B").unwrap().note_it.contains("consulente"));
        assert!(legacy("B211B").unwrap().note_id.contains("konsultan"));
    }
}
