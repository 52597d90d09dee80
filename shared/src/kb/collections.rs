//! The knowledge-base collections and their one-line descriptions (stored in `kb_collections`, shown
//! to the model so it can pick where to search). Kept in code so the worker can use the same table.

/// The KBLI 2020 codes, one document per code: loaded by kb-build, searched by the `kbli_lookup` tool.
pub const KBLI: &str = "kbli_eye";

pub const COLLECTIONS: &[(&str, &str)] = &[
    (
        "visa_oracle",
        "Indonesian visas: visit (C-series), multiple-entry (D-series), e-Visa, VOA, overstay and fines.",
    ),
    (
        "kitas_kitap",
        "Stay permits: KITAS (E23, E28A, E31, E33F, E33G) and KITAP, conversions, reporting duties.",
    ),
    (
        "company_setup",
        "Setting up a business: PT PMA, PT PMDN, CV, representative offices, capital and nominee risks.",
    ),
    (
        "licensing_oss",
        "Business licensing through OSS-RBA: NIB, risk levels, standard certificates, sector permits.",
    ),
    (
        "tax_genius",
        "Indonesian tax for individuals and companies: NPWP, residency, PPh, PPN, reporting deadlines.",
    ),
    (
        "property_sage",
        "Property in Bali for foreigners: land titles, leasehold, Hak Pakai, due diligence, permits.",
    ),
    (
        "cultural_intelligence",
        "Balinese and Indonesian culture, etiquette, ceremonies and doing business respectfully.",
    ),
    (
        "employment_law",
        "Employing staff in Indonesia: contracts, wages, BPJS, foreign workers (RPTKA), termination.",
    ),
    (
        "banking_finance",
        "Banking and money in Indonesia: opening accounts, transfers, foreign exchange, payments.",
    ),
    (
        "bali_local_regulations",
        "Bali provincial and regency rules: tourism levy, zoning, local permits, conduct.",
    ),
    (
        "faq_general",
        "Frequently asked questions about living and doing business in Bali.",
    ),
    (
        KBLI,
        "KBLI 2020 business classification: every five-digit code with its hierarchy and official scope.",
    ),
    (
        "legal_architect",
        "PP 28/2025 on risk-based business licensing, article by article (Pasal) with its elucidation.",
    ),
    (
        "bali_zero_pricing",
        "Bali Zero 2025 official service prices (IDR): visas, KITAS/KITAP, company, tax services.",
    ),
];

/// The description of a collection, or a generic one for collections not in the table (benchmarks).
pub fn describe(name: &str) -> String {
    COLLECTIONS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or_else(|| format!("Collection {name}."), |(_, d)| d.to_string())
}

/// Collection names are path segments and SQL values: keep them to a safe alphabet.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_collection_has_a_valid_name_and_description() {
        for (name, desc) in COLLECTIONS {
            assert!(is_valid_name(name), "{name}");
            assert!(!desc.is_empty() && desc.len() < 200);
        }
        assert!(describe("scifact").contains("scifact"));
        assert!(!is_valid_name("Bad-Name"));
    }
}
