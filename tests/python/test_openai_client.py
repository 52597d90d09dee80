"""The OpenAI-compatible API, driven by the real `openai` package as an integrator would, with an API key:
retrieval, tools and citations come along."""
import openai
import pytest
import requests


@pytest.fixture(scope="module")
def client(stack):
    admin = stack.login("admin")["access_token"]
    r = requests.post(
        f"{stack.url}/api/admin/api-keys",
        json={"name": "openai sdk test", "scopes": ["chat"]},
        headers={"Authorization": f"Bearer {admin}"},
        timeout=30,
    )
    assert r.status_code == 201, r.text
    return openai.OpenAI(base_url=f"{stack.url}/v1", api_key=r.json()["key"], max_retries=0)


def test_models_are_listed(client):
    ids = [m.id for m in client.models.list()]
    assert "nuzantara" in ids and "offline" in ids


def test_a_completion_answers_with_prices_from_the_price_list(client):
    r = client.chat.completions.create(
        model="nuzantara", messages=[{"role": "user", "content": "How much is a C1 tourism visa and can I extend it?"}]
    )
    text = r.choices[0].message.content
    assert "2,300,000" in text and "1,700,000" in text
    assert r.choices[0].finish_reason == "stop"
    assert r.usage.completion_tokens > 0 and r.usage.total_tokens >= r.usage.completion_tokens


def test_a_streamed_completion_arrives_in_chunks(client):
    chunks = list(client.chat.completions.create(
        model="offline", stream=True, messages=[{"role": "user", "content": "Quanto costa il KITAS E33G?"}]
    ))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert len([c for c in chunks if c.choices and c.choices[0].delta.content]) > 3
    assert text.startswith("Dalla base di conoscenza")
    assert chunks[-1].choices[0].finish_reason == "stop"


def test_errors_map_to_the_sdk_exceptions(client, stack):
    with pytest.raises(openai.UnprocessableEntityError):
        client.chat.completions.create(model="gpt-9000", messages=[{"role": "user", "content": "hi"}])
    bad = openai.OpenAI(base_url=f"{stack.url}/v1", api_key="nzk_00000000_wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        bad.models.list()
