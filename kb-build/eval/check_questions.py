#!/usr/bin/env python3
"""Validate eval/questions.jsonl (answer-quality evaluation set). Python 3, stdlib only.

Checks:
  * JSON shape of every line, unique ids, allowed lang/topic values;
  * counts: >= 55 questions per language, >= 45 pp28 (>= 18 of them Italian), >= 25 out_of_kb;
  * every expected document resolves:
      - authored docs  "<collection>/<file>.md" exist in ../kb (documents still being written,
        listed in PENDING, only give a warning);
      - "kbli/NNNNN" is a 5-digit code of kbli-2020.json;
      - "pp-28-2025#Pasal N" / "pp-28-2025#Penjelasan Pasal N" with 1 <= N <= 552 (and the
        article heading is found in the raw text);
      - "bali-zero-prices-2025";
  * every fact (a list of alternatives) appears, after normalisation (lowercase, accents
    stripped, whitespace collapsed), in at least one expected source text:
      - authored doc: the file text (markdown emphasis marks removed);
      - KBLI: code + title + detail of the record;
      - price list: the JSON text;
      - PP 28/2025: the raw OCR text of the article, from its "Pasal N" heading line to the next
        article heading (the elucidation region after "PENJELASAN" for "Penjelasan Pasal N").
    A fact that cannot be found while one of the expected documents is still PENDING is a warning.

Usage: python3 check_questions.py [--data-dir DIR] [--questions FILE] [--no-counts] [-v]
Exit status 1 when there are errors.
"""
import argparse
import collections
import json
import os
import re
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
KB_DIR = os.path.join(HERE, "..", "kb")
DEFAULT_DATA = os.path.join(HERE, "..", "..", "..", "shared", "data", "kb-sources")
DEFAULT_QUESTIONS = os.path.join(HERE, "questions.jsonl")

LANGS = ("en", "id", "it")
TOPICS = {
    "visa", "kitas", "company", "licensing", "pp28", "kbli", "tax", "property", "employment",
    "banking", "culture", "bali_rules", "pricing", "health", "ip", "franchise", "trade",
    "disputes", "contracts", "out_of_kb",
}
KEYS = ["id", "lang", "topic", "question", "expected", "facts", "answerable"]
PP_ID = "pp-28-2025"
PRICES_ID = "bali-zero-prices-2025"
PP_ARTICLES = 552
# Documents being written in parallel: referencing them is fine, their absence is only a warning.
PENDING = {
    "faq_general/healthcare-insurance-foreigners.md",
    "faq_general/asuransi-kesehatan-orang-asing.md",
    "company_setup/intellectual-property-trademarks-djki.md",
    "company_setup/marchi-proprieta-intellettuale.md",
    "licensing_oss/franchise-waralaba-stpw.md",
    "licensing_oss/import-export-nib-customs.md",
    "tax_genius/tax-audit-objection-appeal.md",
    "tax_genius/pemeriksaan-keberatan-banding-pajak.md",
    "faq_general/business-disputes-courts-arbitration.md",
    "company_setup/contracts-language-law.md",
    "company_setup/contratti-lingua-indonesiana.md",
    "visa_oracle/old-visa-codes-mapping.md",
    "visa_oracle/vecchi-codici-visto.md",
}
MIN_PER_LANG = 55
MIN_PP28 = 45
MIN_PP28_IT = 18
MIN_OUT_OF_KB = 25


def norm(s):
    """Lowercase, strip accents, unify quotes/dashes, collapse whitespace."""
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = s.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    s = s.replace("\u2013", "-").replace("\u2014", "-").replace("\u00a0", " ")
    return " ".join(s.lower().split())


# ---------------------------------------------------------------------------------------------
# PP 28/2025: article windows in the raw OCR text

# OCR misreads of digits in Pasal numbers ("Pasal 1O4", "Pasal l2", "Pasal2lT").
OCR_DIGITS = {"O": "0", "o": "0", "I": "1", "l": "1", "L": "1", "i": "1", "T": "7", "S": "5", "Z": "2", "z": "2"}
HEADING = re.compile(r"^pasa[lLI1][.,]?\s*([0-9OoIlLiTSZz](?:\s?[0-9OoIlLiTSZz]){0,3})\s*(.*)$", re.I)
REFERENCE_LEADS = {
    "dalam", "pada", "dan", "atau", "dengan", "dimaksud", "sebagaimana", "menurut", "berdasarkan",
    "terhadap", "oleh", "ketentuan", "serta", "yaitu", "tentang", "dari", "di", "ke", "hingga",
    "sampai", "lihat", "dan/atau",
}


def pasal_number(text):
    """(number, rest) when `text` starts with a Pasal heading, else None."""
    m = HEADING.match(text)
    if not m:
        return None
    raw = m.group(1).replace(" ", "")
    if not any(c.isdigit() for c in raw) and len(raw) < 2:
        return None
    digits = "".join(OCR_DIGITS.get(c, c) for c in raw)
    if not digits.isdigit() or len(digits) > 3 or int(digits) == 0:
        return None
    return int(digits), m.group(2).strip(" .,")


def heading_in(line):
    """Pasal number when the line is a heading: alone, followed by a glued "(1)", or glued after an
    ayat number / "Cukup jelas"; also tells whether it stands alone (reference check needed)."""
    got = pasal_number(line)
    if got:
        num, rest = got
        if not rest:
            return num, True
        if rest.startswith("(1)") or rest.startswith("(l)"):
            return num, False
        return None
    low = line.lower()
    at = low.rfind("pasa")
    if at <= 0:
        return None
    before = line[:at].rstrip()
    if not (before.endswith((")", ".", ";")) or before.lower().endswith("jelas")):
        return None
    got = pasal_number(line[at:])
    if got and not got[1]:
        return got[0], False
    return None


def looks_like_reference(prev, nxt):
    if prev is not None:
        p = prev.rstrip()
        last = p.rsplit(" ", 1)[-1].lower() if p else ""
        if p.endswith(",") or last in REFERENCE_LEADS:
            return True
    return bool(nxt) and nxt[0].islower()


class PP28:
    """Article windows of the raw text: body["Pasal N"] and expl["Penjelasan Pasal N"]."""

    def __init__(self, path):
        lines = [l.rstrip() for l in open(path, encoding="utf-8").read().split("\n")]
        lines = [l.strip() for l in lines if not re.fullmatch(r"\[PAGE \d+\]", l.strip())]
        self.lines = lines
        expl = next(
            (i for i, l in enumerate(lines) if l == "PENJELASAN" and "ATAS" in lines[i + 1:i + 3]),
            len(lines),
        )
        self.body = self._windows(0, expl, "Pasal ")
        self.expl = self._windows(expl, len(lines), "Penjelasan Pasal ")

    def _windows(self, start, end, prefix):
        """Sequential search: heading N is the first heading line numbered N after heading N-1
        (up to 3 missing headings are skipped), so cross-references never end an article."""
        lines = self.lines
        found = {}
        pos, want = start, 1
        while want <= PP_ARTICLES and pos < end:
            hit = None
            for i in range(pos, end):
                h = heading_in(lines[i])
                if not h:
                    continue
                num, alone = h
                if num < want or num > want + 3:
                    continue
                prev = lines[i - 1] if i > start else None
                nxt = lines[i + 1] if i + 1 < end else None
                if alone and looks_like_reference(prev, nxt):
                    continue
                hit = (i, num)
                break
            if hit is None:
                break
            found[hit[1]] = hit[0]
            pos, want = hit[0] + 1, hit[1] + 1
        heads = sorted(found.items(), key=lambda kv: kv[1])
        out = {}
        for k, (num, at) in enumerate(heads):
            stop = heads[k + 1][1] if k + 1 < len(heads) else end
            if k + 1 == len(heads) and prefix == "Pasal ":
                # the last article ends where the closing formula ("Agar setiap orang ...") starts
                stop = next((i for i in range(at + 1, end) if lines[i].startswith("Agar setiap")), end)
            text = []
            for l in lines[at:stop]:
                if text and text[-1].endswith("-") and l[:1].islower():
                    text[-1] = text[-1] + l  # hyphenated line break
                else:
                    text.append(l)
            out[prefix + str(num)] = "\n".join(text)
        return out


def only_cukup_jelas(window):
    """True when an elucidation entry says nothing but "Cukup jelas" (kb-build drops those)."""
    body = norm(" ".join(window.split("\n")[1:])).replace("cukup jelas", " ")
    words = [w.strip(".,;:()'\"-") for w in body.split()]
    return all(not w or w in ("ayat", "huruf", "angka") or len(w) <= 3 for w in words)


# ---------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", default=os.environ.get("KB_DATA_DIR", DEFAULT_DATA))
    ap.add_argument("--questions", default=DEFAULT_QUESTIONS)
    ap.add_argument("-v", "--verbose", action="store_true", help="list every warning")
    ap.add_argument("--no-counts", action="store_true", help="skip the minimum counts (for a smaller set, e.g. fresh.jsonl)")
    args = ap.parse_args()

    errors, warnings = [], []
    kbli_path = os.path.join(args.data_dir, "kbli-2020.json")
    pp_path = os.path.join(args.data_dir, "pp-28-2025-raw.txt")
    prices_path = os.path.join(args.data_dir, "bali-zero-prices-2025.json")
    for p in (kbli_path, pp_path, prices_path):
        if not os.path.isfile(p):
            print(f"ERROR: missing data file {p} (use --data-dir)")
            return 1

    kbli = collections.defaultdict(list)
    for r in json.load(open(kbli_path, encoding="utf-8")):
        code = str(r.get("code", "")).strip()
        kbli[code].append(f"KBLI {code} {r.get('title', '')} {r.get('detail', '')}")
    pp = PP28(pp_path)
    prices_text = open(prices_path, encoding="utf-8").read()
    doc_cache = {}

    def authored(rel):
        if rel not in doc_cache:
            path = os.path.join(KB_DIR, rel)
            doc_cache[rel] = (
                re.sub(r"[*`]", "", open(path, encoding="utf-8").read()) if os.path.isfile(path) else None
            )
        return doc_cache[rel]

    def resolve(ref):
        """(status, text): status is 'ok', 'pending' or an error message."""
        if ref == PRICES_ID:
            return "ok", prices_text
        if ref == PP_ID:
            return "bare", None
        m = re.fullmatch(r"pp-28-2025#(Penjelasan )?Pasal (\d+)", ref)
        if m:
            n = int(m.group(2))
            if not 1 <= n <= PP_ARTICLES:
                return f"article number {n} outside 1..{PP_ARTICLES}", None
            table = pp.expl if m.group(1) else pp.body
            key = ("Penjelasan Pasal " if m.group(1) else "Pasal ") + str(n)
            if key not in table:
                return f"heading for {key} not found in the raw text", None
            if m.group(1) and only_cukup_jelas(table[key]):
                return f"{key} is only 'Cukup jelas' (not indexed as a section)", None
            return "ok", table[key]
        if ref.startswith(PP_ID):
            return "malformed PP 28/2025 reference (want 'pp-28-2025#Pasal N')", None
        m = re.fullmatch(r"kbli/(\d{5})", ref)
        if m:
            if m.group(1) not in kbli:
                return f"KBLI code {m.group(1)} not in kbli-2020.json", None
            return "ok", " ".join(kbli[m.group(1)])
        if ref.startswith("kbli/"):
            return "malformed KBLI reference (want kbli/NNNNN)", None
        if re.fullmatch(r"[a-z_]+/[a-z0-9]+(-[a-z0-9]+)*\.md", ref):
            text = authored(ref)
            if text is not None:
                return "ok", text
            if ref in PENDING:
                return "pending", None
            return "authored document not found in kb/", None
        return "unknown document id", None

    # ----------------------------------------------------------------------------- questions
    qs = []
    try:
        raw_lines = open(args.questions, encoding="utf-8").read().split("\n")
    except OSError as e:
        print(f"ERROR: {e}")
        return 1
    for n, line in enumerate(raw_lines, 1):
        if not line.strip():
            continue
        try:
            q = json.loads(line)
        except json.JSONDecodeError as e:
            errors.append(f"line {n}: invalid JSON ({e})")
            continue
        if not isinstance(q, dict):
            errors.append(f"line {n}: not a JSON object")
            continue
        q["_line"] = n
        qs.append(q)

    ids = collections.Counter()
    pending_refs = set()
    for q in qs:
        where = f"line {q['_line']} ({q.get('id', '?')})"
        keys = [k for k in q if k != "_line"]
        if sorted(keys) != sorted(KEYS):
            errors.append(f"{where}: keys {keys} != {KEYS}")
            continue
        qid, lang, topic = q["id"], q["lang"], q["topic"]
        ids[qid] += 1
        if not isinstance(qid, str) or not re.fullmatch(r"[a-z]{2}-[a-z_0-9]+-\d{3}", qid):
            errors.append(f"{where}: id should look like 'it-pp28-007'")
        elif not qid.startswith(f"{lang}-"):
            errors.append(f"{where}: id prefix does not match lang {lang!r}")
        if lang not in LANGS:
            errors.append(f"{where}: lang {lang!r} not in {LANGS}")
        if topic not in TOPICS:
            errors.append(f"{where}: topic {topic!r} not allowed")
        if not isinstance(q["question"], str) or len(q["question"].strip()) < 5:
            errors.append(f"{where}: question missing or too short")
        exp, facts, ans = q["expected"], q["facts"], q["answerable"]
        if not isinstance(ans, bool):
            errors.append(f"{where}: answerable must be true/false")
            continue
        if not isinstance(exp, list) or not all(isinstance(e, str) and e for e in exp):
            errors.append(f"{where}: expected must be a list of document ids")
            continue
        if len(set(exp)) != len(exp):
            errors.append(f"{where}: duplicate expected ids")
        if not isinstance(facts, list) or not all(
            isinstance(f, list) and f and all(isinstance(a, str) and a.strip() for a in f) for f in facts
        ):
            errors.append(f"{where}: facts must be a list of non-empty lists of strings")
            continue
        if not ans:
            if topic != "out_of_kb" or exp or facts:
                errors.append(f"{where}: unanswerable questions need topic out_of_kb, expected [] and facts []")
            continue
        if topic == "out_of_kb":
            errors.append(f"{where}: topic out_of_kb but answerable is true")
        if not exp:
            errors.append(f"{where}: answerable question without expected documents")
        if not 1 <= len(facts) <= 4:
            errors.append(f"{where}: {len(facts)} facts (want 1-4)")
        if topic == "pp28" and not any(e.startswith(PP_ID + "#") for e in exp):
            errors.append(f"{where}: pp28 question without an article-level pp-28-2025#Pasal N id")

        texts, pending_here = [], []
        for ref in exp:
            status, text = resolve(ref)
            if status == "ok":
                texts.append(norm(text))
            elif status == "pending":
                pending_here.append(ref)
                pending_refs.add(ref)
            elif status == "bare":
                warnings.append(f"{where}: bare '{PP_ID}' id; prefer 'pp-28-2025#Pasal N'")
            else:
                errors.append(f"{where}: {ref}: {status}")
        for fact in facts:
            alts = [norm(a) for a in fact]
            if any(a in t for a in alts for t in texts):
                continue
            msg = f"{where}: fact {fact} not found in {'any expected source' if texts else 'an existing source'}"
            if pending_here:
                warnings.append(msg + f" (pending: {', '.join(pending_here)})")
            else:
                errors.append(msg)

    for qid, c in ids.items():
        if c > 1:
            errors.append(f"duplicate id {qid} ({c}x)")

    # ----------------------------------------------------------------------------- counts
    valid = [q for q in qs if sorted(k for k in q if k != "_line") == sorted(KEYS)]
    by_lang = collections.Counter(q["lang"] for q in valid)
    by_topic = collections.Counter(q["topic"] for q in valid)
    pp_lang = collections.Counter(q["lang"] for q in valid if q["topic"] == "pp28")
    oob_lang = collections.Counter(q["lang"] for q in valid if q["topic"] == "out_of_kb")
    if not args.no_counts:
        for lang in LANGS:
            if by_lang[lang] < MIN_PER_LANG:
                errors.append(f"only {by_lang[lang]} {lang} questions (want >= {MIN_PER_LANG})")
        if by_topic["pp28"] < MIN_PP28:
            errors.append(f"only {by_topic['pp28']} pp28 questions (want >= {MIN_PP28})")
        if pp_lang["it"] < MIN_PP28_IT:
            errors.append(f"only {pp_lang['it']} Italian pp28 questions (want >= {MIN_PP28_IT})")
        if by_topic["out_of_kb"] < MIN_OUT_OF_KB:
            errors.append(f"only {by_topic['out_of_kb']} out_of_kb questions (want >= {MIN_OUT_OF_KB})")

    articles = collections.Counter(
        e.split("#", 1)[1] for q in valid for e in q["expected"] if e.startswith(PP_ID + "#")
    )
    print(f"questions: {len(valid)}  (lines read: {len(qs)})")
    print("per language: " + ", ".join(f"{l} {by_lang[l]}" for l in LANGS))
    print("per topic:    " + ", ".join(f"{t} {c}" for t, c in sorted(by_topic.items())))
    print("pp28 per language: " + ", ".join(f"{l} {pp_lang[l]}" for l in LANGS)
          + f"; distinct PP 28/2025 sections cited: {len(articles)}")
    print("out_of_kb per language: " + ", ".join(f"{l} {oob_lang[l]}" for l in LANGS))
    print(f"PP 28/2025 headings found: {len(pp.body)} articles, {len(pp.expl)} elucidation entries")
    if pending_refs:
        print(f"pending documents referenced (not written yet): {len(pending_refs)}")
    if warnings:
        print(f"\n{len(warnings)} warning(s)")
        for w in warnings if args.verbose else warnings[:15]:
            print("  WARN " + w)
        if not args.verbose and len(warnings) > 15:
            print(f"  ... {len(warnings) - 15} more (use -v)")
    if errors:
        print(f"\n{len(errors)} error(s)")
        for e in errors:
            print("  ERROR " + e)
        return 1
    print("\nOK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
