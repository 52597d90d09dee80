"""The OpenAI-compatible API, driven by the real `openai` package as an integrator would, with an API key:
retrieval, tools and citations come along. Sync and async clients, streaming with include_usage, the
generation limits, OpenAI's error classes, and /v1/embeddings over the real local embedder."""
import asyncio

import numpy as np
import openai
import pytest
import requests

QUESTION = "How much is a C1 tourism visa and can I extend it?"


def api_key(stack, scopes=("chat",)):
    admin = stack.login("admin")["access_token"]
    r = requests.post(
        f"{stack.url}/api/admin/api-keys",
        json={"name": "openai sdk test", "scopes": list(scopes)},
        headers={"Authorization": f"Bearer {admin}"},
        timeout=30,
    )
    assert r.status_code == 201, r.text
    return r.json()["key"]


@pytest.fixture(scope="module")
def key(stack):
    return api_key(stack)


@pytest.fixture(scope="module")
def client(stack, key):
    return openai.OpenAI(base_url=f"{stack.url}/v1", api_key=key, max_retries=0)


def test_models_are_listed(client):
    ids = [m.id for m in client.models.list()]
    assert "nuzantara" in ids and "offline" in ids
    assert "nuzantara-embedding" not in ids, "no embedder in this stack"


def test_a_completion_answers_the_last_user_message_with_earlier_turns_as_context(client):
    r = client.chat.completions.create(
        model="nuzantara",
        messages=[
            {"role": "system", "content": "You answer questions about Indonesian visas."},
            {"role": "user", "content": "What is a KITAS?"},
            {"role": "assistant", "content": "A limited stay permit."},
            {"role": "user", "content": QUESTION},
        ],
    )
    text = r.choices[0].message.content
    assert "2,300,000" in text and "1,700,000" in text
    assert r.choices[0].finish_reason == "stop"
    assert r.choices[0].message.role == "assistant"
    assert r.usage.prompt_tokens > 0 and r.usage.completion_tokens > 0
    assert r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens


def test_max_tokens_cuts_the_answer_with_finish_reason_length_and_stop_ends_it_early(client):
    full = client.chat.completions.create(model="offline", messages=[{"role": "user", "content": QUESTION}])
    cut = client.chat.completions.create(
        model="offline", messages=[{"role": "user", "content": QUESTION}], max_tokens=8
    )
    assert cut.choices[0].finish_reason == "length"
    assert len(cut.choices[0].message.content) <= 32
    assert full.choices[0].message.content.startswith(cut.choices[0].message.content)
    assert cut.usage.completion_tokens <= 8 < full.usage.completion_tokens
    stopped = client.chat.completions.create(
        model="offline", messages=[{"role": "user", "content": QUESTION}], stop=["2,300,000"]
    )
    assert stopped.choices[0].finish_reason == "stop"
    assert "2,300,000" not in stopped.choices[0].message.content
    assert full.choices[0].message.content.startswith(stopped.choices[0].message.content)


def test_a_streamed_completion_arrives_in_openai_chunk_order(client):
    chunks = list(client.chat.completions.create(
        model="offline", stream=True, messages=[{"role": "user", "content": "Quanto costa il KITAS E33G?"}]
    ))
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert len([c for c in chunks if c.choices and c.choices[0].delta.content]) > 3
    assert text.startswith("Dalla base di conoscenza")
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert [c.choices[0].finish_reason for c in chunks[:-1]] == [None] * (len(chunks) - 1)
    assert all(c.usage is None for c in chunks), "no usage chunk unless asked"


def test_include_usage_adds_a_last_chunk_with_usage_and_no_choices(client):
    chunks = list(client.chat.completions.create(
        model="offline", stream=True, stream_options={"include_usage": True},
        messages=[{"role": "user", "content": QUESTION}], max_tokens=6,
    ))
    last = chunks[-1]
    assert last.choices == []
    assert last.usage.completion_tokens > 0 and last.usage.total_tokens > last.usage.completion_tokens
    assert chunks[-2].choices[0].finish_reason == "length"
    assert all(c.usage is None for c in chunks[:-1])


def test_the_async_client_completes_and_streams(stack, key):
    async def run():
        aclient = openai.AsyncOpenAI(base_url=f"{stack.url}/v1", api_key=key, max_retries=0)
        r = await aclient.chat.completions.create(model="nuzantara", messages=[{"role": "user", "content": QUESTION}])
        stream = await aclient.chat.completions.create(
            model="nuzantara", stream=True, stream_options={"include_usage": True},
            messages=[{"role": "user", "content": QUESTION}],
        )
        pieces, usage = [], None
        async for c in stream:
            pieces.extend(ch.delta.content or "" for ch in c.choices)
            usage = c.usage or usage
        await aclient.close()
        return r, "".join(pieces), usage

    r, streamed, usage = asyncio.run(run())
    assert "2,300,000" in r.choices[0].message.content
    assert "2,300,000" in streamed
    assert usage.completion_tokens > 0


def test_errors_map_to_the_sdk_exceptions_in_openai_shape(client, stack):
    with pytest.raises(openai.NotFoundError) as e:
        client.chat.completions.create(model="gpt-9000", messages=[{"role": "user", "content": "hi"}])
    assert e.value.code == "model_not_found" and e.value.param == "model"
    assert e.value.type == "invalid_request_error"
    for bad in ({"temperature": 3}, {"max_tokens": 0}, {"n": 2}, {"top_p": -1}):
        with pytest.raises(openai.BadRequestError) as e:
            client.chat.completions.create(model="nuzantara", messages=[{"role": "user", "content": "hi"}], **bad)
        assert e.value.param == next(iter(bad)), bad
    with pytest.raises(openai.BadRequestError) as e:
        client.chat.completions.create(model="nuzantara", messages=[{"role": "system", "content": "rules only"}])
    assert e.value.param == "messages"
    bad = openai.OpenAI(base_url=f"{stack.url}/v1", api_key="nzk_00000000_wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as e:
        bad.models.list()
    assert e.value.code == "invalid_api_key"
    search_only = openai.OpenAI(base_url=f"{stack.url}/v1", api_key=api_key(stack, ["search"]), max_retries=0)
    with pytest.raises(openai.PermissionDeniedError):
        search_only.chat.completions.create(model="nuzantara", messages=[{"role": "user", "content": "hi"}])
    with pytest.raises(openai.NotFoundError) as e:
        client.embeddings.create(model="nuzantara-embedding", input="visa")
    assert e.value.code == "model_not_found"
    # The rest of the API keeps its own error shape.
    r = requests.post(f"{stack.url}/bali-zero/chat", json={"query": "hi", "model": "gpt-9000"}, timeout=30)
    assert r.status_code == 422 and r.json()["error"]["code"] == "validation_failed"


# ── embeddings, over the real local embedder ─────────────────────────────────────────────────────────

PASSAGES = [
    "The C1 tourism visa lets a visitor stay in Indonesia for 60 days and can be extended twice.",
    "A PT PMA is a limited liability company with foreign shareholders; it needs an NIB from the OSS system.",
    "Land and building tax (PBB) is paid yearly to the regency where the property is located.",
]


@pytest.fixture(scope="module")
def eclient(embed_stack):
    return openai.OpenAI(base_url=f"{embed_stack.url}/v1", api_key=api_key(embed_stack), max_retries=0)


def cosine(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_embeddings_put_a_question_nearest_its_passage(eclient):
    ids = [m.id for m in eclient.models.list()]
    assert "nuzantara-embedding" in ids and "multilingual-e5-small" in ids
    docs = eclient.embeddings.create(
        model="nuzantara-embedding", input=PASSAGES, encoding_format="float", extra_body={"input_type": "passage"}
    )
    assert [d.index for d in docs.data] == [0, 1, 2]
    assert all(len(d.embedding) == 384 for d in docs.data)
    assert docs.usage.prompt_tokens > 0 and docs.usage.total_tokens == docs.usage.prompt_tokens
    for question, want in [
        ("How long can I stay on a tourist visa?", 0),
        ("Berapa pajak properti tahunan?", 2),
        ("How do I register a foreign-owned PT PMA company?", 1),
    ]:
        q = eclient.embeddings.create(model="nuzantara-embedding", input=question).data[0].embedding
        sims = [cosine(q, d.embedding) for d in docs.data]
        assert int(np.argmax(sims)) == want, (question, sims)


def test_base64_and_float_encodings_agree_and_bad_input_is_refused(eclient):
    # The SDK asks for base64 by default and decodes it; compare with the float answer.
    b64 = eclient.embeddings.create(model="multilingual-e5-small", input="harga visa C1").data[0].embedding
    flt = eclient.embeddings.create(
        model="multilingual-e5-small", input="harga visa C1", encoding_format="float", dimensions=384
    ).data[0].embedding
    assert np.allclose(b64, flt, atol=1e-6)
    for bad, param in [({"input": [[1, 2, 3]]}, "input"), ({"input": "x", "dimensions": 128}, "dimensions"),
                       ({"input": []}, "input")]:
        with pytest.raises(openai.BadRequestError) as e:
            eclient.embeddings.create(model="nuzantara-embedding", **bad)
        assert e.value.param == param
    with pytest.raises(openai.NotFoundError):
        eclient.embeddings.create(model="text-embedding-3-small", input="x")
