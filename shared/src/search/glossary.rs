//! A small trilingual (Indonesian / English / Italian) glossary of domain terms, used to expand queries
//! so that "tax" finds "pajak" and "ristorante" finds "restoran", and to route a query to collections.

use rustc_hash::FxHashMap as HashMap;
use std::sync::OnceLock;

/// Groups of equivalent terms (already normalised: lowercase, no diacritics). A query term in a group
/// brings in the others. One group per line (rustfmt would put each word on a line of its own).
#[rustfmt::skip]
pub const SYNONYMS: &[&[&str]] = &[
    &["pajak", "tax", "taxes", "tasse", "tassa", "imposta", "imposte", "fiscale"],
    &["izin", "perizinan", "licence", "license", "licensing", "permit", "licenza", "permesso", "autorizzazione"],
    &["perseroan", "company", "companies", "perusahaan", "societa", "azienda", "pt"],
    &["restoran", "restaurant", "ristorante", "restaurants"],
    &["hotel", "hotels", "albergo", "penginapan", "akomodasi", "accommodation"],
    &["visa", "visto", "visti", "visas"],
    &["kitas", "itas", "soggiorno", "residence", "stay", "tinggal"],
    &["kitap", "itap", "permanent", "permanente", "tetap"],
    &["investor", "investasi", "investment", "investimento", "investitore", "investitori", "penanaman", "modal"],
    &["harga", "price", "prices", "cost", "costs", "fee", "fees", "prezzo", "prezzi", "costo", "biaya", "tarif"],
    &["tanah", "land", "terreno", "property", "properti", "proprieta", "immobile"],
    &["sewa", "lease", "leasehold", "affitto", "locazione", "rent", "rental"],
    &["pekerja", "worker", "workers", "employee", "lavoratore", "lavoratori", "tenaga", "kerja", "work", "lavoro"],
    &[
        "pensiun", "retirement", "retiree", "retirees", "pensione", "pensionato", "pensionati", "pensionamento",
        "lansia",
    ],
    &["perpanjangan", "extension", "extend", "proroga", "rinnovo", "renewal", "perpanjang"],
    &["usaha", "business", "attivita", "impresa", "bisnis"],
    &["nikah", "married", "spouse", "marriage", "coniuge", "moglie", "marito", "istri", "suami", "keluarga", "family"],
    &["denda", "fine", "fines", "penalty", "sanzione", "multa", "overstay"],
    &["upacara", "ceremony", "ceremonies", "cerimonia"],
    &["pajak", "npwp"],
    // Licensing and PP 28/2025: the Indonesian statute's terms for what Italian and English clients ask.
    &["hutan", "kehutanan", "forest", "forests", "forestry", "foresta", "foreste", "forestale", "forestali"],
    &["asing", "foreign", "foreigner", "foreigners", "straniero", "stranieri", "straniera", "straniere", "wna"],
    &["tka", "expatriate", "expatriates", "espatriati", "espatriato"],
    &["berlaku", "effective", "force", "vigore", "efficacia"],
    &["diundangkan", "promulgated", "promulgation", "promulgato", "promulgazione", "pengundangan"],
    &["risiko", "risk", "risks", "rischio", "rischi"],
    // PP 28/2025 sorts activities by "tingkat Risiko" (risk level): what clients call risk categories or classes.
    &[
        "tingkat", "level", "levels", "livello", "livelli", "kategori", "category", "categories", "categoria",
        "categorie",
    ],
    &["lokasi", "location", "locations", "ubicazione", "luogo", "sito"],
    &["ppn", "vat", "iva"],
    &["lampiran", "annex", "annexes", "appendix", "allegato", "allegati"],
    &[
        "pengawasan", "supervision", "oversight", "monitoring", "inspection", "inspections", "vigilanza", "controlli",
        "ispezione", "ispezioni",
    ],
    &["sanksi", "sanction", "sanctions", "sanzione", "sanzioni", "penalties"],
    &["persyaratan", "syarat", "requirement", "requirements", "requisiti", "requisito", "condizioni"],
    &["dasar", "basic"],
    &["sertifikat", "certificate", "certificates", "certificato", "certificati", "certification"],
    &["standar", "standard", "standards"],
    &["pelaku", "operator", "operators", "operatore", "operatori", "imprenditore", "imprenditori"],
    &["umkm", "umk", "mikro", "micro", "msme", "msmes", "pmi", "piccole"],
    &["bangunan", "gedung", "building", "buildings", "edificio", "edifici", "pbg"],
    &["lingkungan", "environment", "environmental", "ambiente", "ambientale", "amdal"],
    &["ruang", "spatial", "zoning", "urbanistica", "urbanistico", "kkpr", "territoriale"],
    &[
        "pencabutan", "dicabut", "revocation", "revoke", "revoked", "revoca", "revocato", "revocata", "repeal",
        "repealed", "abrogated", "abrogato", "abrogata", "abrogazione",
    ],
    &["peringatan", "teguran", "warning", "warnings", "avvertimento", "ammonimento", "diffida"],
    &[
        "pariwisata", "wisata", "tourism", "turismo", "tourist", "turista", "turisti", "turistico", "turistica",
        "turistici",
    ],
    &["kesehatan", "health", "healthcare", "salute", "sanita", "sanitario", "medical", "medico"],
    &["pendidikan", "sekolah", "education", "school", "schools", "istruzione", "scuola", "scuole"],
    &["perdagangan", "dagang", "trade", "trading", "commercio", "commerciale"],
    &["industri", "industry", "industrial", "industria", "manifattura", "manufacturing"],
    &["pertanian", "agriculture", "agricoltura", "agricolo", "farming"],
    &["perikanan", "fishery", "fisheries", "fishing", "pesca"],
    &["energi", "energy", "energia"],
    &["transportasi", "angkutan", "transport", "transportation", "trasporto", "trasporti"],
    &["konstruksi", "construction", "edilizia", "costruzione", "costruzioni"],
    &["jangka", "deadline", "deadlines", "termine", "termini", "scadenza", "scadenze"],
    &["hari", "days", "giorni", "giorno"],
    &["bulan", "month", "months", "mese", "mesi"],
    &["tahun", "year", "years", "yearly", "anno", "anni", "annuale"],
    &[
        "kewajiban", "wajib", "obligation", "obligations", "mandatory", "obbligo", "obblighi", "obbligatorio",
        "obbligatoria",
    ],
    &["pemerintah", "government", "governo"],
    &["daerah", "provinsi", "kabupaten", "regional", "regionale", "regionali", "provincia"],
    &["menteri", "kementerian", "minister", "ministry", "ministro", "ministero"],
    &["peralihan", "transitional", "transitorie", "transitorio", "transitoria"],
    &["ketentuan", "provision", "provisions", "disposizione", "disposizioni"],
    &["pengertian", "definisi", "definition", "definitions", "definizione", "definizioni"],
    &["kegiatan", "activity", "activities", "attivita"],
    &["persetujuan", "approval", "approvals", "approvazione", "autorizzazione"],
    &["sistem", "system", "sistema"],
    &["kode", "code", "codes", "codice", "codici"],
    &["perubahan", "change", "changes", "amendment", "amendments", "modifica", "modifiche"],
    &[
        "pendaftaran", "mendaftar", "registration", "register", "registrazione", "iscrizione", "registrarsi",
        "iscriversi",
    ],
    &["laporan", "lapor", "report", "reports", "reporting", "rapporto", "relazione"],
    &["modal", "capital", "capitale"],
    &["saham", "shares", "shareholder", "shareholders", "azioni", "azionisti", "azionista", "soci"],
    &["direktur", "direksi", "director", "directors", "direttore", "amministratore"],
    &["notaris", "akta", "notary", "deed", "notaio", "atto"],
    &["rumah", "house", "home", "casa", "abitazione"],
    &["pembelian", "beli", "buy", "buying", "purchase", "acquisto", "comprare"],
    &["penjualan", "jual", "sell", "selling", "sale", "vendita", "vendere"],
    &["warisan", "inheritance", "eredita", "successione"],
    &["gaji", "upah", "salary", "wage", "wages", "stipendio", "salario"],
    &["pesangon", "severance", "liquidazione", "tfr"],
    &["kontrak", "perjanjian", "contract", "contracts", "agreement", "contratto", "contratti"],
    &["bahasa", "language", "lingua"],
    &["sengketa", "dispute", "disputes", "controversia", "controversie"],
    &["pengadilan", "court", "courts", "tribunale", "tribunali"],
    &["arbitrase", "arbitration", "arbitrato"],
    &["merek", "trademark", "trademarks", "marchio", "marchi", "brand"],
    &["waralaba", "franchise", "franchising", "franchisee", "franchisor"],
    &["impor", "import", "imports", "importer", "importazione", "importare", "importatore"],
    &["ekspor", "export", "exports", "exporter", "esportazione", "esportare"],
    &["pabean", "kepabeanan", "customs", "dogana", "doganale", "duty", "duties", "dazi"],
    &["asuransi", "insurance", "assicurazione", "assicurazioni"],
    &["pemeriksaan", "audit", "audits", "accertamento", "accertamenti"],
    &["keberatan", "objection", "objections", "opposizione", "reclamo"],
    &["banding", "appeal", "appeals", "appello", "ricorso"],
    &["rekening", "account", "conto"],
    // Technology: KBLI titles are Indonesian ("Aktivitas Pemrograman Berbasis Kecerdasan Artifisial").
    &["ai", "artifisial", "kecerdasan", "artificial", "intelligence", "intelligenza", "artificiale"],
    &["pemrograman", "programming", "programmazione", "coding", "programmer", "programmatore"],
    &["software", "lunak", "piranti", "perangkat", "aplikasi", "app", "apps", "application", "applicazione"],
    &["komputer", "computer", "computers", "informatica", "informatika"],
    &["konsultasi", "consulting", "consultancy", "consultant", "consulenza", "konsultan"],
    &["usia", "umur", "age", "eta"],
    // Everyday words of the domain that the statute and the guides write in Indonesian.
    // PP 28/2025's risk levels: rendah, menengah rendah, menengah tinggi, tinggi.
    &["rendah", "low", "basso", "bassa"],
    &["menengah", "medium", "medio", "moderate"],
    &["tinggi", "high", "alto", "alta"],
    &["dokumen", "berkas", "document", "documents", "paperwork", "documento", "documenti"],
    &["peraturan", "aturan", "regulation", "regulations", "regolamento", "regolamenti"],
    &["karyawan", "pegawai", "employee", "employees", "staff", "dipendente", "dipendenti"],
    &["bekerja", "kerja", "working", "lavorare", "lavorativo", "lavorativi"],
    &["kantor", "office", "offices", "ufficio", "uffici"],
    &["minimal", "minimum", "minimo", "minima"],
    &["maksimal", "maximum", "massimo", "massima"],
    &["bayar", "membayar", "pembayaran", "pay", "paid", "payment", "payments", "pagare", "pagamento", "paga"],
    &["permohonan", "application", "applications", "domanda", "richiesta"],
    &["perseorangan", "perorangan", "individual", "individuale", "fisica"],
    &[
        "pendirian", "mendirikan", "establish", "establishment", "incorporation", "costituire", "costituzione",
        "aprire", "apertura",
    ],
    &["memulai", "mulai", "start", "begin", "iniziare", "inizio", "cominciare", "avviare", "avvio"],
    &["konfirmasi", "confirmation", "confirm", "conferma", "confermare"],
    &["imigrasi", "immigration", "immigrazione"],
    &["anak", "child", "children", "figlio", "figli", "figlia", "bambino", "bambini"],
    &["penghasilan", "pendapatan", "income", "revenue", "turnover", "omzet", "reddito", "redditi", "fatturato"],
    &["pantai", "beach", "coast", "spiaggia"],
    &["vila", "villa", "villas", "ville"],
    &["kafe", "cafe", "caffe", "bar"],
    &["kopi", "coffee", "caffe"],
    &["penerbitan", "terbit", "diterbitkan", "issued", "issuance", "rilascio", "rilasciato", "emissione"],
    &["prosedur", "proses", "procedure", "process", "procedura", "processo", "iter"],
    &["magang", "internship", "intern", "interns", "tirocinio", "stage", "stagista"],
    &["pura", "temple", "temples", "tempio", "templi"],
    &["menstruasi", "haid", "cuntaka", "menstruation", "menstruating", "mestruazioni", "mestruale"],
    &["bagasi", "bawaan", "luggage", "baggage", "bagaglio", "valigia"],
    &["toko", "shop", "store", "negozio"],
    &["pemilik", "owner", "owners", "proprietario", "proprietari"],
    &["nominee", "nominees", "prestanome"],
    &["batal", "void", "null", "nullo", "nulli", "nullita"],
    &["penyetoran", "setor", "disetor", "deposit", "versare", "versamento", "versato"],
    &["bukti", "proof", "evidence", "prova", "prove"],
    &["perluasan", "expansion", "expand", "ampliamento", "ampliare"],
    &["bank", "banca", "banche", "banking", "perbankan"],
    &["indeks", "index", "indice", "indici"],
    &["daring", "online", "virtual", "virtuale"],
    // Business activities as clients name them; KBLI 2020 describes them in Indonesian ("penyewaan … sepeda
    // motor", "penatu", "es krim"), so a question for the right code needs the bridge.
    &["penyewaan", "persewaan", "rental", "rentals", "noleggio", "noleggiare", "noleggi"],
    &["bermotor", "scooter", "scooters", "motorbike", "motorbikes", "motorcycle", "motorcycles", "moto", "motorino"],
    &["sepeda", "bicycle", "bicycles", "bike", "bikes", "bici", "bicicletta", "biciclette"],
    &["mobil", "car", "cars", "auto", "automobile"],
    &["kapal", "perahu", "boat", "boats", "speedboat", "barca", "barche", "motoscafo", "imbarcazione"],
    &["penatu", "binatu", "laundry", "lavanderia"],
    &["krim", "gelato", "gelati", "gelateria"],
    &["susu", "milk", "dairy", "latte", "latticini"],
    &["selancar", "surf", "surfing", "surfer"],
    &["selam", "diving", "dive", "scuba", "immersioni"],
    &["roti", "kue", "bakery", "bread", "pastry", "panetteria", "pasticceria", "pane"],
    &["penyangraian", "roastery", "roasting", "torrefazione"],
    &["fotografi", "photography", "photographer", "fotografia", "fotografo"],
    &["pernikahan", "wedding", "weddings", "matrimonio", "matrimoni"],
    &["event", "events", "evento", "eventi", "acara"],
    &["pakaian", "clothing", "clothes", "apparel", "abbigliamento", "vestiti", "boutique"],
    &["furnitur", "mebel", "furniture", "mobili"],
    &["kebersihan", "pembersihan", "cleaning", "pulizia", "pulizie"],
    &["kursus", "pelatihan", "courses", "corso", "corsi", "lessons", "lezioni"],
    &["pijat", "massage", "massages", "massaggio", "massaggi"],
    &["katering", "catering", "boga"],
    &["perhiasan", "jewelry", "jewellery", "gioielli", "gioielleria"],
    &["desain", "design", "designer", "progettazione"],
    &["pondok", "homestay", "guesthouse", "hostel", "ostello"],
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

/// The groups a term is in: those that list it, or else those listing an inflection of it (a word of five or
/// more letters that differs only in a final vowel or "s": Italian "terreni" for "terreno", "licenze" for
/// "licenza", English "tourists"), so that the glossary need not list every form.
fn groups_of(term: &str) -> impl Iterator<Item = &'static [&'static str]> {
    let ix = index();
    let ids = ix
        .exact
        .get(term)
        .or_else(|| light_stem(term).and_then(|s| ix.stem.get(s)));
    ids.into_iter().flatten().map(|&i| SYNONYMS[i])
}

/// The groups of each word and of each light stem, in glossary order: built once (per isolate), because a
/// question's every term is looked up several times (analysis, reranking, the answerability check).
struct Index {
    exact: HashMap<&'static str, Vec<usize>>,
    stem: HashMap<&'static str, Vec<usize>>,
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut ix = Index {
            exact: HashMap::default(),
            stem: HashMap::default(),
        };
        let add = |map: &mut HashMap<&'static str, Vec<usize>>, key: &'static str, i: usize| {
            let ids = map.entry(key).or_default();
            if ids.last() != Some(&i) {
                ids.push(i);
            }
        };
        for (i, group) in SYNONYMS.iter().enumerate() {
            for &form in group.iter() {
                add(&mut ix.exact, form, i);
                if let Some(stem) = light_stem(form) {
                    add(&mut ix.stem, stem, i);
                }
            }
        }
        ix
    })
}

/// A word of five or more letters without its final vowel or "s"; `None` for shorter words.
fn light_stem(w: &str) -> Option<&str> {
    (w.len() >= 5).then(|| w.strip_suffix(['a', 'e', 'i', 'o', 's']).unwrap_or(w))
}

/// The other words of the term's groups ([`groups_of`]).
pub fn expansions(term: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    for group in groups_of(term) {
        for t in group.iter().filter(|t| **t != term) {
            if !out.contains(t) {
                out.push(*t);
            }
        }
    }
    out
}

/// The first word of the term's first group ([`groups_of`]): the knowledge base's own (Indonesian) word.
pub fn canonical(term: &str) -> &str {
    groups_of(term).next().map_or(term, |g| g[0])
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
    fn an_unlisted_inflection_finds_its_group_and_short_words_do_not() {
        assert!(expansions("terreni").contains(&"tanah"));
        assert!(expansions("licenze").contains(&"izin"));
        assert_eq!(canonical("registrazioni"), "pendaftaran");
        // A listed word gets only the groups that list it: "sanzioni" is in the sanctions group, and its stem
        // ("sanzion") would also reach the fines group through "sanzione".
        assert!(expansions("sanzioni").contains(&"sanksi"));
        assert!(!expansions("sanzioni").contains(&"denda"));
        // Under five letters, no guessing: "casi" is not "casa".
        assert!(expansions("casi").is_empty());
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
