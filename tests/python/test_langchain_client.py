"""LangChain's OpenAI integration (`langchain-openai`) against /v1, as an application built on it would
use the service: chat (invoke and stream, with a system message) and embeddings."""
import numpy as np
import pytest
import requests
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI, OpenAIEmbeddings


def api_key(stack):
    admin = stack.login("admin")["access_token"]
    r = requests.post(
        f"{stack.url}/api/admin/api-keys",
        json={"name": "langchain test", "scopes": ["chat"]},
        headers={"Authorization": f"Bearer {admin}"},
        timeout=30,
    )
    assert r.status_code == 201, r.text
    return r.json()["key"]


def test_langchain_chat_invokes_and_streams(stack):
    llm = ChatOpenAI(base_url=f"{stack.url}/v1", api_key=api_key(stack), model="nuzantara", max_retries=0,
                     temperature=0.2, max_tokens=800)
    messages = [
        SystemMessage("You help with Indonesian visas."),
        HumanMessage("Hi, I plan a trip to Bali."),
        AIMessage("Welcome! How can I help?"),
        HumanMessage("How much is a C1 tourism visa and can I extend it?"),
    ]
    reply = llm.invoke(messages)
    assert "2,300,000" in reply.content
    assert reply.response_metadata["finish_reason"] == "stop"
    assert reply.usage_metadata["output_tokens"] > 0
    chunks = list(llm.stream(messages))
    assert len(chunks) > 3
    assert "2,300,000" in "".join(c.content for c in chunks)
    short = ChatOpenAI(base_url=f"{stack.url}/v1", api_key=api_key(stack), model="offline", max_retries=0,
                       max_tokens=5).invoke("How much is a C1 tourism visa?")
    assert short.response_metadata["finish_reason"] == "length"


def test_langchain_embeddings(embed_stack):
    # check_embedding_ctx_length=False: LangChain would otherwise tokenise with tiktoken (a download) and
    # send token arrays, which this API refuses (it embeds text); chunk_size: at most 32 inputs a request.
    emb = OpenAIEmbeddings(base_url=f"{embed_stack.url}/v1", api_key=api_key(embed_stack),
                           model="nuzantara-embedding", check_embedding_ctx_length=False, chunk_size=32,
                           max_retries=0)
    docs = emb.embed_documents(["The C1 visa allows 60 days in Indonesia.", "PBB is the yearly property tax."])
    q = emb.embed_query("How long can I stay with a C1 visa?")
    assert len(q) == 384 and len(docs) == 2
    sims = [float(np.dot(q, d) / (np.linalg.norm(q) * np.linalg.norm(d))) for d in docs]
    assert sims[0] > sims[1], sims
