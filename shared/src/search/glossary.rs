//! A small trilingual (Indonesian / English / Italian) glossary of domain terms, used to expand queries
//! so that "tax" finds "pajak" and "ristorante" finds "restoran", and to route a query to collections.

/// Groups of equivalent terms (already normalised: lowercase, no diacritics). A query term in a group
/// brings in the others.
pub const SYNONYMS: &[&[&str]] = &[
    &[
        "pajak", "tax", "taxes", "tasse", "tassa", "imposta", "imposte", "fiscale",
    ],
    &[
        "izin",
        "perizinan",
        "licence",
        "license",
        "licensing",
        "permit",
        "licenza",
        "permesso",
        "autorizzazione",
    ],
    &[
        "perseroan",
        "company",
        "companies",
        "perusahaan",
        "societa",
        "azienda",
        "pt",
    ],
    &["restoran", "restaurant", "ristorante", "restaurants"],
    &["hotel", "hotels", "albergo", "penginapan", "akomodasi", "accommodation"],
    &["visa", "visto", "visti", "visas"],
    &["kitas", "itas", "soggiorno", "residence", "stay"],
    &["kitap", "itap", "permanent", "permanente", "tetap"],
    &[
        "investor",
        "investasi",
        "investment",
        "investimento",
        "penanaman",
        "modal",
    ],
    &[
        "harga", "price", "prices", "cost", "costs", "fee", "fees", "prezzo", "prezzi", "costo", "biaya", "tarif",
    ],
    &[
        "tanah",
        "land",
        "terreno",
        "property",
        "properti",
        "proprieta",
        "immobile",
    ],
    &["sewa", "lease", "leasehold", "affitto", "locazione", "rent", "rental"],
    &[
        "pekerja",
        "worker",
        "workers",
        "employee",
        "lavoratore",
        "tenaga",
        "kerja",
        "work",
        "lavoro",
    ],
    &[
        "pensiun",
        "retirement",
        "retiree",
        "retirees",
        "pensione",
        "pensionato",
        "pensionati",
        "pensionamento",
        "lansia",
    ],
    &[
        "perpanjangan",
        "extension",
        "extend",
        "proroga",
        "rinnovo",
        "renewal",
        "perpanjang",
    ],
    &["usaha", "business", "attivita", "impresa", "bisnis"],
    &[
        "nikah", "married", "spouse", "marriage", "coniuge", "moglie", "marito", "istri", "suami", "keluarga", "family",
    ],
    &["denda", "fine", "fines", "penalty", "sanzione", "multa", "overstay"],
    &["upacara", "ceremony", "ceremonies", "cerimonia"],
    &["pajak", "npwp"],
];

/// Keyword → collection hints for routing a query when the caller names no collections.
pub const ROUTES: &[(&str, &[&str])] = &[
    ("kbli", &["kbli_eye"]),
    ("klasifikasi", &["kbli_eye"]),
    ("restoran", &["kbli_eye"]),
    ("pasal", &["legal_architect"]),
    ("pp", &["legal_architect", "licensing_oss"]),
    ("peraturan", &["legal_architect"]),
    ("perizinan", &["legal_architect", "licensing_oss"]),
    ("oss", &["licensing_oss", "legal_architect"]),
    ("nib", &["licensing_oss", "company_setup"]),
    ("visa", &["visa_oracle", "bali_zero_pricing"]),
    ("kitas", &["kitas_kitap", "bali_zero_pricing"]),
    ("kitap", &["kitas_kitap"]),
    ("pma", &["company_setup"]),
    ("perseroan", &["company_setup"]),
    ("pajak", &["tax_genius"]),
    ("npwp", &["tax_genius"]),
    ("pph", &["tax_genius"]),
    ("ppn", &["tax_genius"]),
    ("harga", &["bali_zero_pricing"]),
    ("tanah", &["property_sage"]),
    ("sewa", &["property_sage"]),
    ("milik", &["property_sage"]),
    ("hgb", &["property_sage"]),
    ("nyepi", &["cultural_intelligence"]),
    ("upacara", &["cultural_intelligence"]),
    ("rptka", &["employment_law", "kitas_kitap"]),
    ("bpjs", &["employment_law"]),
    ("pekerja", &["employment_law"]),
    ("bank", &["banking_finance"]),
    ("levy", &["bali_local_regulations"]),
];

/// The terms equivalent to `term` (excluding itself), in glossary order.
pub fn expansions(term: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    for group in SYNONYMS {
        if group.contains(&term) {
            for t in group.iter().filter(|t| **t != term) {
                if !out.contains(t) {
                    out.push(*t);
                }
            }
        }
    }
    out
}

/// The canonical (first) term of the group `term` belongs to, for routing.
pub fn canonical(term: &str) -> &str {
    SYNONYMS
        .iter()
        .find(|g| g.contains(&term))
        .map(|g| g[0])
        .unwrap_or(term)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expansions_cross_languages_both_ways() {
        assert!(expansions("tax").contains(&"pajak"));
        assert!(expansions("pajak").contains(&"tax"));
        assert!(expansions("ristorante").contains(&"restoran"));
        assert!(expansions("restaurant").contains(&"restoran"));
        assert!(!expansions("tax").contains(&"tax"));
        assert!(expansions("zzz").is_empty());
    }

    #[test]
    fn routes_name_real_collections_and_terms_are_normalised() {
        for (term, cols) in ROUTES {
            assert_eq!(*term, term.to_lowercase());
            assert!(!cols.is_empty());
        }
        for group in SYNONYMS {
            for t in *group {
                assert!(t.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()), "{t}");
            }
        }
        assert_eq!(canonical("prezzo"), "harga");
    }
}
