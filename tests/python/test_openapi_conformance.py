"""Every route's real success response validated against its schema in /openapi.json (JSON Schema 2020-12,
the dialect of OpenAPI 3.1), so a schema cannot drift from what the handlers send.

One happy-path call per route of the route table; the test fails when a route is left unexercised (add a
call to `exercise` below when you add a route), when a 2xx response has no schema, when the response's media
type is not the documented one, or when its body does not validate (SSE: each event).

Writing a schema: `OPENAPI_DUMP=/tmp/responses.json OPENAPI_DUMP_ONLY=1` writes every real response out and
skips the checks; `NUZANTARA_STACK` (see conftest.py) reuses a running stack.
"""
import json
import os
import uuid

import jsonschema_rs
import pytest
import requests

# Routes this test cannot call on the local stack, with the reason (e.g. a webhook that needs a provider's
# signature). Keep it short: every route left out here is a schema nothing checks.
UNEXERCISED = {
    ("get", "/webhooks/whatsapp"): "needs the WhatsApp channel configured: tests/integration/whatsapp.test.mjs",
    ("post", "/webhooks/whatsapp"): "needs the WhatsApp channel and a signed delivery: tests/integration/whatsapp.test.mjs",
    ("get", "/api/whatsapp/conversations/{wa_id}"): "needs a WhatsApp contact: tests/integration/whatsapp.test.mjs",
    ("post", "/api/whatsapp/conversations/{wa_id}/takeover"): "needs a WhatsApp contact: tests/integration/whatsapp.test.mjs",
    ("post", "/api/whatsapp/conversations/{wa_id}/release"): "needs a WhatsApp contact: tests/integration/whatsapp.test.mjs",
    ("post", "/api/whatsapp/conversations/{wa_id}/messages"): "needs a taken-over WhatsApp contact: tests/integration/whatsapp.test.mjs",
    ("post", "/api/email/confirm"): "needs Google configured and a prepared e-mail: tests/integration/google.test.mjs",
    ("post", "/v1/embeddings"): "needs the embedder (this stack has none): tests/python/test_openai_client.py on embed_stack",
}

# A binary download's schema is `{type: string, format: binary}`: there is nothing JSON to validate.
TEXT_TYPES = ("text/", "application/pdf", "application/octet-stream", "image/")


def sse_events(text):
    """The events of a text/event-stream body as {id, event, data} dicts (comments skipped, data lines joined)."""
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        e, data = {}, []
        for line in block.split("\n"):
            if not line or line.startswith(":"):
                continue
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "data":
                data.append(value)
            elif field in ("id", "event"):
                e[field] = value
            elif field == "retry":
                e[field] = int(value)
        if data:
            e["data"] = "\n".join(data)
            events.append(e)
    return events


class Checker:
    def __init__(self, url, doc):
        self.url = url
        self.doc = doc
        self.seen = set()
        self.dump = [] if os.environ.get("OPENAPI_DUMP") else None

    def call(self, method, pattern, *, path=None, query=None, token=None, expect=None, **kw):
        """Calls `pattern` (its {name} segments filled from `path`, with `query`) and validates the response."""
        url_path = pattern
        for k, v in (path or {}).items():
            url_path = url_path.replace("{" + k + "}", requests.utils.quote(str(v), safe=""))
        headers = kw.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        r = requests.request(method, self.url + url_path, params=query, headers=headers, timeout=120, **kw)
        op = self.doc["paths"][pattern][method.lower()]
        assert 200 <= r.status_code < 300, f"{method} {url_path}: {r.status_code} {r.text[:300]}"
        if expect:
            assert r.status_code == expect, f"{method} {url_path}: {r.status_code}"
        declared = op["responses"].get(str(r.status_code))
        assert declared, f"{method} {pattern}: {r.status_code} is not a documented response"
        media = r.headers.get("Content-Type", "").split(";")[0].strip()
        content = declared["content"]
        # A file download (`*/*`) comes in its own type.
        listed = media if media in content else "*/*"
        assert listed in content, f"{method} {pattern}: {media} is not one of {list(content)}"
        schema = content[listed].get("schema")
        if self.dump is not None:
            self.dump.append({"method": method, "pattern": pattern, "status": r.status_code, "media": media,
                              "body": r.json() if media == "application/json" else r.text[:200]})
        if self.dump is not None and os.environ.get("OPENAPI_DUMP_ONLY"):
            self.seen.add((method.lower(), pattern))
            return r
        assert schema not in (None, {}), f"{method} {pattern}: no schema for {media}"
        if listed == "application/json":
            body = r.json()
            # References point into the document's components: give the schema the document's root.
            validator = jsonschema_rs.Draft202012Validator({**schema, "components": self.doc["components"]})
            errors = [f"{'/'.join(map(str, e.instance_path))}: {e.message}" for e in validator.iter_errors(body)]
            assert not errors, f"{method} {pattern} does not match its schema:\n" + "\n".join(errors[:20])
        elif listed == "text/event-stream":
            # The schema is one event's (OpenAPI 3.2's itemSchema, as schemathesis reads it).
            validator = jsonschema_rs.Draft202012Validator(schema)
            events = sse_events(r.text)
            assert events, f"{method} {pattern}: an empty stream"
            for e in events:
                errors = [e2.message for e2 in validator.iter_errors(e)]
                assert not errors, f"{method} {pattern}: event {e} does not match its schema: {errors}"
        else:
            assert media.startswith(TEXT_TYPES), f"{method} {pattern}: unexpected {media}"
            assert schema.get("type") == "string", f"{method} {pattern}: a {media} body is a string"
        self.seen.add((method.lower(), pattern))
        return r


@pytest.fixture(scope="module")
def checker(stack):
    doc = requests.get(f"{stack.url}/openapi.json", timeout=30).json()
    return Checker(stack.url, doc)


def exercise(stack, c):
    people = stack.people
    admin = c.admin = stack.login("admin")["access_token"]
    consultant = stack.login("consultant")["access_token"]
    ops = stack.metrics_token
    # Operations and the knowledge base
    c.call("GET", "/health")
    c.call("GET", "/health/detailed", token=ops)
    c.call("GET", "/metrics", token=ops)
    c.call("GET", "/openapi.json")
    hits = c.call("POST", "/api/search", json={"query": "KITAS for remote workers", "top_k": 3}).json()["results"]
    assert hits, "the knowledge base is loaded"
    c.call("GET", "/api/collections")
    c.call("GET", "/api/documents/{id}", path={"id": hits[0]["citation"]["document_id"]})
    c.call("GET", "/api/documents/{id}", path={"id": hits[0]["citation"]["document_id"]}, query={"raw": "1"})
    # Auth, on a user of its own so changing the password and logging out leave the others' sessions alone.
    email = f"conf-{uuid.uuid4().hex[:8]}@test.local"
    made = c.call("POST", "/api/admin/users", token=admin, expect=201,
                  json={"email": email, "name": "Conformance", "role": "consultant", "password": "conformance-pass-1"}).json()
    c.call("GET", "/api/admin/users", token=admin)
    c.call("PATCH", "/api/admin/users/{id}", path={"id": made["id"]}, token=admin, json={"name": "Conformance Two"})
    mine = c.call("POST", "/api/auth/team/login", json={"email": email, "password": "conformance-pass-1"}).json()
    client = c.call("POST", "/api/auth/client/login",
                    json={"email": people["client"]["email"], "password": people["client"]["password"]}).json()
    c.call("GET", "/api/auth/me", token=mine["access_token"])
    c.call("GET", "/api/auth/me", token=client["access_token"])
    mine = c.call("POST", "/api/auth/refresh", json={"refresh_token": mine["refresh_token"]}).json()
    mine = c.call("POST", "/api/auth/password", token=mine["access_token"],
                  json={"current_password": "conformance-pass-1", "new_password": "conformance-pass-2"}).json()
    c.call("POST", "/api/auth/logout", token=mine["access_token"], json={"refresh_token": mine["refresh_token"]})
    key = c.call("POST", "/api/admin/api-keys", token=admin, expect=201, json={"name": "conformance", "scopes": ["search"]}).json()
    c.call("GET", "/api/admin/api-keys", token=admin)
    c.call("DELETE", "/api/admin/api-keys/{id}", path={"id": key["id"]}, token=admin)
    c.call("GET", "/api/admin/audit", token=admin)
    c.call("GET", "/api/whatsapp/conversations", token=consultant)
    c.call("GET", "/api/admin/whatsapp/failures", token=admin)
    # Chat, tools, conversations and memory
    answer = c.call("POST", "/bali-zero/chat", token=consultant,
                    json={"query": "How much is a C1 tourism visa and can I extend it?"}).json()
    assert answer["tools"], "the price question runs a tool, so ToolCall is checked too"
    c.call("POST", "/bali-zero/chat-stream", token=consultant, json={"query": "What is a PT PMA?"})
    model = c.call("GET", "/v1/models", token=consultant).json()["data"][0]["id"]
    c.call("POST", "/v1/chat/completions", token=consultant,
           json={"model": model, "messages": [{"role": "user", "content": "What is a KITAS?"}]})
    c.call("POST", "/v1/chat/completions", token=consultant,
           json={"model": model, "stream": True, "messages": [{"role": "user", "content": "What is a KITAS?"}]})
    c.call("GET", "/api/tools", token=consultant)
    c.call("POST", "/api/tools/{name}", path={"name": "kbli_lookup"}, json={"query": "56101"})
    c.call("GET", "/api/conversations", token=consultant)
    conv = answer["conversation_id"]
    full = c.call("GET", "/api/conversations/{id}", path={"id": conv}, token=consultant).json()
    c.call("GET", "/api/conversations/{id}/export", path={"id": conv}, token=consultant)
    c.call("POST", "/api/messages/{id}/feedback", path={"id": answer["message_id"]}, token=consultant, json={"value": 1})
    fact = c.call("POST", "/api/memory", token=consultant, expect=201, json={"content": "Prefers e-mail in Italian"}).json()
    c.call("GET", "/api/memory", token=consultant)
    c.call("PATCH", "/api/memory/{id}", path={"id": fact["id"]}, token=consultant, json={"content": "Prefers e-mail"})
    c.call("DELETE", "/api/memory/{id}", path={"id": fact["id"]}, token=consultant)
    exercise_crm(c, admin, consultant, conv)
    exercise_client_views(c, stack.login("client", portal="client")["access_token"], people["clientIds"][0])
    c.call("DELETE", "/api/conversations/{id}", path={"id": full["id"]}, token=consultant)


def exercise_crm(c, admin, consultant, conv):
    cl = c.call("POST", "/crm/clients", token=admin, expect=201,
                json={"full_name": "Conformance Client", "email": f"cc-{uuid.uuid4().hex[:8]}@example.com"}).json()
    cid = {"id": cl["id"]}
    c.call("GET", "/crm/clients", token=admin)
    c.call("GET", "/crm/clients/by-email", token=admin, query={"email": cl["email"]})
    c.call("GET", "/crm/clients/{id}", path=cid, token=admin)
    c.call("PATCH", "/crm/clients/{id}", path=cid, token=admin, json={"notes": "conformance", "version": cl["version"]})
    c.call("POST", "/crm/clients/{id}/interactions", path=cid, token=admin, expect=201,
           json={"kind": "call", "summary": "Asked about a KITAS"})
    c.call("GET", "/crm/clients/{id}/interactions", path=cid, token=admin)
    c.call("POST", "/crm/interactions/from-conversation", token=consultant, expect=201,
           json={"client_id": cl["id"], "conversation_id": conv})
    types = c.call("GET", "/crm/practice-types", token=admin).json()["practice_types"]
    p = c.call("POST", "/crm/practices", token=admin, expect=201,
               json={"client_id": cl["id"], "type_code": types[0]["code"], "expiry_date": "2030-01-01"}).json()
    pid = {"id": p["id"]}
    c.call("GET", "/crm/practices", token=admin)
    c.call("GET", "/crm/practices/renewals", token=admin)
    c.call("GET", "/crm/practices/{id}", path=pid, token=admin)
    p = c.call("PATCH", "/crm/practices/{id}", path=pid, token=admin, json={"notes": "conformance", "version": p["version"]}).json()
    c.call("POST", "/crm/practices/{id}/status", path=pid, token=admin, json={"status": "quoted", "version": p["version"]})
    c.call("POST", "/crm/practices/{id}/payments", path=pid, token=admin, expect=201, json={"amount_idr": 1_000_000})
    c.call("GET", "/crm/clients/{id}/summary", path=cid, token=admin)
    doc = c.call("POST", "/crm/documents", token=admin, expect=201, data=b"a passport scan, in words",
                 headers={"Content-Type": "text/plain"},
                 query={"client_id": cl["id"], "practice_id": p["id"], "filename": "passport.txt"}).json()
    did = {"id": doc["id"]}
    c.call("GET", "/crm/documents", token=admin)
    c.call("GET", "/crm/documents/{id}", path=did, token=admin)
    c.call("GET", "/crm/documents/{id}/content", path=did, token=admin)
    c.call("DELETE", "/crm/documents/{id}", path=did, token=admin)
    c.call("GET", "/crm/team", token=admin)
    c.call("POST", "/crm/work-sessions/clock-in", token=consultant, expect=201, json={"notes": "office"})
    c.call("POST", "/crm/work-sessions/clock-out", token=consultant)
    c.call("GET", "/crm/work-sessions", token=admin)
    c.call("GET", "/crm/analytics", token=admin)
    c.call("GET", "/crm/export/clients.csv", token=admin)
    c.call("GET", "/crm/export/practices.csv", token=admin)
    c.call("DELETE", "/crm/clients/{id}", path=cid, token=admin)


def exercise_client_views(c, client, client_id):
    """A client user sees other shapes of the same routes (ClientPractice: no staff notes or ids)."""
    listed = c.call("GET", "/crm/practices", token=client).json()["practices"]
    if not listed:
        admin = c.admin
        types = c.call("GET", "/crm/practice-types", token=admin).json()["practice_types"]
        c.call("POST", "/crm/practices", token=admin, json={"client_id": client_id, "type_code": types[0]["code"]})
        listed = c.call("GET", "/crm/practices", token=client).json()["practices"]
    assert listed and all("notes" not in p for p in listed), "a client sees the client view"
    c.call("GET", "/crm/practices/{id}", path={"id": listed[0]["id"]}, token=client)
    c.call("GET", "/crm/clients/{id}", path={"id": client_id}, token=client)
    c.call("GET", "/crm/documents", token=client)
    c.call("GET", "/crm/practice-types", token=client)


def test_servers_start_with_the_server_that_answered(stack, checker):
    urls = [s["url"] for s in checker.doc["servers"]]
    assert urls[0] == stack.url
    assert len(urls) >= 2 and urls[-1].startswith("https://")


def test_every_route_answers_what_its_schema_says(stack, checker):
    exercise(stack, checker)
    if checker.dump is not None:
        with open(os.environ["OPENAPI_DUMP"], "w") as f:
            json.dump(checker.dump, f, indent=1)
    documented = {(m, p) for p, ops in checker.doc["paths"].items() for m in ops}
    missing = sorted(documented - checker.seen - set(UNEXERCISED))
    assert not missing, f"routes not exercised (add a call in exercise()): {missing}"
