"""What the API fuzzing found, pinned: each answer a documented 4xx problem, not a 500."""

from __future__ import annotations

import httpx
import pytest

from tests.support.auth import bearer

pytestmark = pytest.mark.integration

DISTRICT = "fuzz-findings"
BASE = f"/v1/districts/{DISTRICT}"


def call(service_urls: dict[str, str], service: str, method: str, path: str, **kwargs) -> httpx.Response:
    headers = bearer(DISTRICT, subject="fuzz")  # a new token each call: a run outlives any one token
    return httpx.request(method, service_urls[service] + BASE + path, headers=headers, timeout=20, **kwargs)


@pytest.mark.parametrize("service, method, path, body", [
    ("notifications", "POST", "/outreach/bounces", {"messageId": "m\u0000", "reason": "x"}),
    ("plans", "PUT", "/staff/s-1", {"name": "Ana\u0000", "role": "counselor"}),
], ids=["notifications", "plans"])  # fmt: skip
def test_text_the_database_cannot_keep_is_refused_with_a_problem(service_urls, service, method, path, body):
    answer = call(service_urls, service, method, path, json=body)

    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert "cannot be stored" in answer.json()["detail"]


def test_method_not_allowed_names_the_methods_of_the_path_it_was_sent_to(service_urls):
    answer = call(service_urls, "notifications", "OPTIONS", "/outreach/approvals")

    assert answer.status_code == 405
    assert answer.headers["allow"] == "POST"


@pytest.mark.parametrize("print_time", [0, "14:00Z", "14:00+02:00", "24:00"])
def test_print_time_is_a_local_time_of_day(service_urls, print_time):
    answer = call(service_urls, "notifications", "PUT", "/settings", json={"printTime": print_time})

    assert answer.status_code == 422, answer.text
    assert "printTime" in answer.json()["detail"]
