#!/usr/bin/env python3
"""Validate kb-build/kb content and eval/questions.jsonl.

Checks: front matter (6 keys, collection == folder, language in en/id/it),
body word counts (250-700), kebab-case names, eval JSON lines, and that every
expected id resolves (authored path, kbli/<code>, pp-28-2025[#Pasal N], bali-zero-prices-2025).
check_questions.py checks questions.jsonl in depth (facts, article numbers).
"""
import json, os, re, sys, collections

HERE = os.path.dirname(os.path.abspath(__file__))
KB = os.path.join(HERE, "..", "kb")
EVAL = os.path.join(HERE, "questions.jsonl")
# The read-only data folder beside the repository (../shared from its root).
KBLI_JSON = os.path.join(HERE, "..", "..", "..", "shared", "data", "kb-sources", "kbli-2020.json")
KEYS = ["title", "collection", "language", "authority", "effective_date", "url"]
SPECIAL = {"pp-28-2025", "bali-zero-prices-2025"}
errors = []
docs = {}
per_coll = collections.Counter()
per_lang = collections.Counter()

for coll in sorted(os.listdir(KB)):
    cdir = os.path.join(KB, coll)
    if not os.path.isdir(cdir):
        continue
    for fn in sorted(os.listdir(cdir)):
        if not fn.endswith(".md"):
            continue
        rel = f"{coll}/{fn}"
        if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*\.md", fn):
            errors.append(f"{rel}: file name not kebab-case")
        text = open(os.path.join(cdir, fn), encoding="utf-8").read()
        m = re.match(r"---\n(.*?)\n---\n(.*)", text, re.S)
        if not m:
            errors.append(f"{rel}: missing front matter"); continue
        fm = {}
        for line in m.group(1).split("\n"):
            k, sep, v = line.partition(": ")
            if not sep:
                errors.append(f"{rel}: bad front matter line {line!r}"); continue
            fm[k] = v.strip()
        if list(fm.keys()) != KEYS:
            errors.append(f"{rel}: keys {list(fm.keys())} != {KEYS}")
        if any(not fm.get(k) for k in KEYS):
            errors.append(f"{rel}: empty front matter value")
        if fm.get("collection") != coll:
            errors.append(f"{rel}: collection {fm.get('collection')} != folder {coll}")
        if fm.get("language") not in ("en", "id", "it"):
            errors.append(f"{rel}: bad language {fm.get('language')}")
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", fm.get("effective_date", "")):
            errors.append(f"{rel}: bad effective_date")
        if not fm.get("url", "").startswith("https://"):
            errors.append(f"{rel}: url not https")
        body = m.group(2)
        if not re.search(r"^# ", body, re.M):
            errors.append(f"{rel}: no # heading")
        wc = len(body.split())
        if not 250 <= wc <= 700:
            errors.append(f"{rel}: body has {wc} words (want 250-700)")
        docs[rel] = fm
        per_coll[coll] += 1
        per_lang[fm.get("language")] += 1

kbli = set()
if os.path.exists(KBLI_JSON):
    kbli = {x["code"] for x in json.load(open(KBLI_JSON)) if len(x["code"]) == 5}

q_lang = collections.Counter()
target = collections.Counter()
ids = set()
for n, line in enumerate(open(EVAL, encoding="utf-8"), 1):
    if not line.strip():
        continue
    try:
        q = json.loads(line)
    except json.JSONDecodeError as e:
        errors.append(f"eval line {n}: invalid JSON ({e})"); continue
    for k in ("id", "lang", "question", "expected"):
        if k not in q:
            errors.append(f"eval line {n}: missing {k}")
    if q.get("id") in ids:
        errors.append(f"eval line {n}: duplicate id {q.get('id')}")
    ids.add(q.get("id"))
    q_lang[q.get("lang")] += 1
    exp = q.get("expected") or []
    if not exp and q.get("answerable", True):
        errors.append(f"eval {q.get('id')}: empty expected")
    for e in exp:
        e = e.split("#", 1)[0]  # article level: pp-28-2025#Pasal N
        if e in SPECIAL:
            target[e] += 1
        elif e.startswith("kbli/"):
            target["kbli"] += 1
            code = e.split("/", 1)[1]
            if not re.fullmatch(r"\d{5}", code) or (kbli and code not in kbli):
                errors.append(f"eval {q.get('id')}: unknown KBLI {e}")
        elif e not in docs:
            errors.append(f"eval {q.get('id')}: expected path not found {e}")

print("Documents per collection:")
for c, n in sorted(per_coll.items()):
    print(f"  {c:26s} {n}")
print(f"  {'TOTAL':26s} {sum(per_coll.values())}")
print("Documents per language:", dict(per_lang))
print("Questions per language:", dict(q_lang), "total", sum(q_lang.values()))
print("Questions referencing:", {k: v for k, v in target.items()})
if errors:
    print(f"\n{len(errors)} ERROR(S):")
    for e in errors:
        print("  -", e)
    sys.exit(1)
print("\nOK: all checks passed")
