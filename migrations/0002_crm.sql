-- CRM and team operations (issue 6): what 0001 lacks.

-- Permit validity per practice type (days), used to default a permit's expiry when a practice is approved.
ALTER TABLE practice_types ADD COLUMN validity_days INTEGER;

-- A status change may carry a note ("approved by Imigrasi Denpasar, ref 123").
ALTER TABLE practice_status_history ADD COLUMN note TEXT;
CREATE INDEX idx_status_history_changed ON practice_status_history(practice_id, changed_at);

-- Payments against a practice. practices.paid_idr is their running total (kept in the same batch).
CREATE TABLE practice_payments (
  id           TEXT PRIMARY KEY,
  practice_id  TEXT NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
  amount_idr   INTEGER NOT NULL CHECK (amount_idr > 0),
  paid_on      TEXT NOT NULL,
  method       TEXT NOT NULL DEFAULT 'transfer' CHECK (method IN ('transfer', 'cash', 'card', 'other')),
  note         TEXT,
  recorded_by  TEXT REFERENCES users(id) ON DELETE SET NULL,
  created_at   INTEGER NOT NULL
);
CREATE INDEX idx_payments_practice ON practice_payments(practice_id);
CREATE INDEX idx_payments_paid_on ON practice_payments(paid_on);

-- Lists are newest first with (created_at, id) cursors, filtered or not.
CREATE INDEX idx_clients_created ON clients(created_at, id);
CREATE INDEX idx_clients_status_created ON clients(status, created_at, id);
CREATE INDEX idx_clients_consultant_created ON clients(consultant_id, created_at, id);
CREATE INDEX idx_practices_created ON practices(created_at, id);
CREATE INDEX idx_practices_client_created ON practices(client_id, created_at);
CREATE INDEX idx_practices_status_created ON practices(status, created_at, id);
CREATE INDEX idx_documents_client_created ON documents(client_id, created_at);

-- Client search: one lower-cased text per client (name, e-mail, company, phones as written and as bare digits,
-- one per line so a match never spans two fields), kept by triggers so that every writer keeps it right. The
-- worker searches it with instr() (D1 refuses LIKE patterns over 50 bytes).
ALTER TABLE clients ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
CREATE TRIGGER clients_search_ai AFTER INSERT ON clients BEGIN
  UPDATE clients SET search_text = lower(new.full_name) || char(10) || lower(coalesce(new.email, '')) || char(10) || lower(coalesce(new.company_name, ''))
    || char(10) || lower(coalesce(new.phone, '')) || char(10) || lower(coalesce(new.whatsapp, ''))
    || char(10) || replace(replace(replace(replace(replace(replace(coalesce(new.phone, ''), ' ', ''), '-', ''), '.', ''), '(', ''), ')', ''), '+', '')
    || char(10) || replace(replace(replace(replace(replace(replace(coalesce(new.whatsapp, ''), ' ', ''), '-', ''), '.', ''), '(', ''), ')', ''), '+', '')
  WHERE id = new.id;
END;
CREATE TRIGGER clients_search_au AFTER UPDATE OF full_name, email, company_name, phone, whatsapp ON clients BEGIN
  UPDATE clients SET search_text = lower(new.full_name) || char(10) || lower(coalesce(new.email, '')) || char(10) || lower(coalesce(new.company_name, ''))
    || char(10) || lower(coalesce(new.phone, '')) || char(10) || lower(coalesce(new.whatsapp, ''))
    || char(10) || replace(replace(replace(replace(replace(replace(coalesce(new.phone, ''), ' ', ''), '-', ''), '.', ''), '(', ''), ')', ''), '+', '')
    || char(10) || replace(replace(replace(replace(replace(replace(coalesce(new.whatsapp, ''), ' ', ''), '-', ''), '.', ''), '(', ''), ')', ''), '+', '')
  WHERE id = new.id;
END;
UPDATE clients SET full_name = full_name;

-- One open work session per person: a second clock-in is a UNIQUE violation (409).
CREATE UNIQUE INDEX idx_work_sessions_open ON work_sessions(user_id) WHERE ended_at IS NULL;

-- The practice types, from the price list.
-- BEGIN GENERATED practice_types (from bali-zero-prices-2025.json by shared/src/crm/practice_types.rs; do not edit by hand)
INSERT OR IGNORE INTO practice_types (code, name, category, default_fee_idr, duration_days, validity_days, description, created_at) VALUES
  ('C1', 'C1 Tourism', 'visa', 2300000, NULL, 60, 'Single entry, extendable for tourism, visiting friends/family, meetings', 1735689600000),
  ('C2', 'C2 Business', 'visa', 3600000, NULL, 60, 'Single entry, extendable for business activities, meetings, shopping', 1735689600000),
  ('C7-PROFESSIONAL', 'C7 Professional', 'visa', 5000000, NULL, 30, 'Professional events: chefs, yoga instructors, bartenders, photographers', 1735689600000),
  ('C7-A-B-MUSIC', 'C7 A&B Music', 'visa', 4500000, NULL, 30, 'Musical performance activities', 1735689600000),
  ('C18', 'C18 Work Trial', 'visa', NULL, NULL, 90, 'NEW 2025: Skill assessment only, cannot convert to working permit', 1735689600000),
  ('C22A', 'C22A Academy Internship', 'visa', 4800000, NULL, NULL, 'Academic internship from overseas education institution', 1735689600000),
  ('C22B', 'C22B Company Internship', 'visa', 4800000, NULL, NULL, 'Company internship for skill development', 1735689600000),
  ('D1', 'D1 Tourism/Meetings', 'visa', 5000000, NULL, 365, 'Multiple entry tourist visa for tourism, meetings, conventions', 1735689600000),
  ('D2', 'D2 Business', 'visa', 6000000, NULL, 365, 'Multiple entry business visa', 1735689600000),
  ('D12', 'D12 Business Investigation', 'visa', 7500000, NULL, 365, 'Business investigation and market research purposes', 1735689600000),
  ('FREELANCE-KITAS-E23', 'Freelance KITAS (E23)', 'kitas', 26000000, 45, 180, '⚠️ Freelancer long stay permit - 6 MONTHS ONLY, NOT 1 YEAR! Requires client contracts or sponsorship', 1735689600000),
  ('WORKING-KITAS-E23', 'Working KITAS (E23)', 'kitas', 34500000, 60, 365, 'Employment long stay permit - requires company sponsorship + work permit', 1735689600000),
  ('E28A', 'Investor KITAS (E28A)', 'kitas', 17000000, 45, 365, 'Investment long stay permit - requires PT PMA with min 10B IDR capital', 1735689600000),
  ('E33F', 'Retirement KITAS (E33F)', 'kitas', 14000000, 45, 365, 'Retirement long stay permit', 1735689600000),
  ('E33G', 'Remote Worker KITAS (E33G)', 'kitas', 12500000, 45, 365, 'Digital nomad long stay permit - FASTEST VITAS approval (4 days!)', 1735689600000),
  ('E31A', 'Spouse KITAS (E31A)', 'kitas', 11000000, 45, 365, 'Spouse of Indonesian citizen or foreigner with KITAS/KITAP', 1735689600000),
  ('E31B', 'Dependent KITAS (E31B/E)', 'kitas', 11000000, 45, 365, 'Dependent family member (child, parent, stepchild)', 1735689600000),
  ('INVESTOR-KITAP', 'Investor KITAP', 'kitap', NULL, 90, 1825, 'Permanent residence through investment', 1735689600000),
  ('WORKING-KITAP', 'Working KITAP', 'kitap', NULL, 90, 1825, 'Permanent residence through employment', 1735689600000),
  ('FAMILY-KITAP', 'Family KITAP', 'kitap', NULL, 90, 1825, 'Permanent residence through family ties', 1735689600000),
  ('RETIREMENT-KITAP', 'Retirement KITAP', 'kitap', NULL, 90, 1825, 'Permanent residence for retirees', 1735689600000),
  ('PT-PMA-COMPANY-SETUP', 'PT PMA Company Setup', 'business', 20000000, 45, NULL, 'Foreign investment company setup - complete package', 1735689600000),
  ('COMPANY-REVISION', 'Company Revision', 'business', 7000000, 30, NULL, 'Company structure modifications (shareholders, directors, business scope)', 1735689600000),
  ('ALCOHOL-LICENSE', 'Alcohol License', 'business', 15000000, 60, NULL, 'Alcohol distribution/retail license - complex approval process', 1735689600000),
  ('LEGAL-REAL-ESTATE', 'Legal Real Estate', 'business', NULL, NULL, NULL, 'Property legal services - price depends on property value and complexity', 1735689600000),
  ('BUILDING-PERMIT-PBG-SLF', 'Building Permit PBG & SLF', 'business', NULL, 60, NULL, 'Construction permits and certificates - quote based on project', 1735689600000),
  ('NPWP-PERSONAL-CORETAX', 'NPWP Personal + Coretax', 'tax', 1000000, 14, NULL, 'Personal tax number + online tax system - MANDATORY for KITAS holders', 1735689600000),
  ('NPWPD-COMPANY', 'NPWPD Company', 'tax', 2500000, 21, NULL, 'Company regional tax number (Bali provincial tax)', 1735689600000),
  ('MONTHLY-TAX-REPORT', 'Monthly Tax Report', 'tax', 1500000, NULL, NULL, 'Monthly corporate tax reporting - price depends on transaction volume', 1735689600000),
  ('ANNUAL-TAX-REPORT-OPERATIONAL', 'Annual Tax Report (Operational)', 'tax', 4000000, NULL, NULL, 'Annual operational company tax return', 1735689600000),
  ('ANNUAL-TAX-REPORT-ZERO', 'Annual Tax Report (Zero)', 'tax', 3000000, NULL, NULL, 'Annual zero-activity company tax return (dormant company)', 1735689600000),
  ('ANNUAL-PERSONAL-TAX', 'Annual Personal Tax', 'tax', 2000000, NULL, NULL, 'Annual individual tax return (SPT Tahunan)', 1735689600000),
  ('BPJS-HEALTH-INSURANCE', 'BPJS Health Insurance', 'tax', 1500000, NULL, NULL, '⚠️ MANDATORY health insurance setup - cannot extend KITAS without BPJS!', 1735689600000),
  ('BPJS-EMPLOYMENT-INSURANCE', 'BPJS Employment Insurance', 'tax', 1500000, NULL, NULL, 'Mandatory employment insurance setup (accident, pension)', 1735689600000),
  ('LKPM-REPORT', 'LKPM Report', 'tax', 1000000, NULL, NULL, '⚠️ MANDATORY quarterly foreign investment report for PT PMA', 1735689600000);
-- END GENERATED practice_types
