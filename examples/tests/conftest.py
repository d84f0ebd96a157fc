"""Fixtures for the test suite next to it: pytest hands `checkpoint` to every test that asks for it."""

import pytest


@pytest.fixture(params=["openai-community/gpt2", "Qwen/Qwen2.5-0.5B-Instruct"])
def checkpoint(request):
    return request.param
