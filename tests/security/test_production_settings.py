"""Outside development each service refuses to start with a default, example or weak secret, naming the variable to
set; with its own secrets it starts, and a token ingest signs is verified from ingest's published keys."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from eligibility.app import create_app as eligibility_app
from eligibility.settings import Settings as EligibilitySettings
from ingest.app import create_app as ingest_app
from ingest.settings import Settings as IngestSettings
from rollcall_shared.production import EXIT_CONFIG
from rollcall_shared.tokens import SigningKeys
from tests.security.conftest import token
from tests.support.process import free_port
from tests.support.stack import serve, serve_http

OWN_PREFIXES = ("ROLLCALL_", "AUTH_", "INGEST_", "ELIGIBILITY_", "NOTIFICATIONS_", "PLANS_")
DEFAULTS_REFUSED = {
    "ingest": ["INGEST_DATABASE_URL", "INGEST_SIGNING_KEYS", "INGEST_CONTACT_KEYS", "INGEST_TRUSTED_SERVICES"],
    "eligibility": ["ELIGIBILITY_DATABASE_URL", "ELIGIBILITY_CONTACT_KEYS", "AUTH_JWKS_URL"],
    "notifications": ["NOTIFICATIONS_DATABASE_URL", "NOTIFICATIONS_SIGNING_KEYS", "NOTIFICATIONS_CONTACT_KEYS",
                      "NOTIFICATIONS_CONTACT_INDEX_KEY", "NOTIFICATIONS_SMS_TOKEN", "AUTH_JWKS_URL"],
    "plans": ["PLANS_DATABASE_URL", "PLANS_CONTACT_KEYS", "AUTH_JWKS_URL"],
}  # fmt: skip


def start(service: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The service as an operator starts it, in an environment of only `env` (ROLLCALL_ENV unset: production)."""
    clean = {key: value for key, value in os.environ.items() if not key.startswith(OWN_PREFIXES)}
    return subprocess.run(
        [sys.executable, "-m", "uvicorn", "--factory", f"{service}.app:create_app", "--port", str(free_port())],
        env=clean | env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.mark.parametrize("service", list(DEFAULTS_REFUSED))
def test_a_production_run_on_the_defaults_exits_naming_every_variable_to_set(service):
    result = start(service, {})

    assert result.returncode == EXIT_CONFIG, result.stderr[-2000:]
    assert f"rollcall {service} refuses to start outside development" in result.stderr
    assert [variable for variable in DEFAULTS_REFUSED[service] if variable not in result.stderr] == []


def test_example_development_and_weak_secrets_are_refused_by_name():
    good_url = "postgresql://notifications:4Vq9-cW3xTz8-Lp2nR7kHs5J@postgres.internal/notifications"
    result = start("notifications", {
        "NOTIFICATIONS_DATABASE_URL": good_url,
        "NOTIFICATIONS_CONTACT_KEYS": f"{Fernet.generate_key().decode()},CHANGE-ME-NEWEST-KEY",
        "NOTIFICATIONS_CONTACT_INDEX_KEY": "rollcall-development-only-index-key",
        "NOTIFICATIONS_SMS_TOKEN": "hunter2hunter2",
        "NOTIFICATIONS_SIGNING_KEYS": "2026-12:CHANGE-ME-to-32-or-more-random-characters",
        "AUTH_JWKS_URL": "http://ingest:8001/.well-known/jwks.json",
        "ROLLCALL_ENV": "production",
    })  # fmt: skip
    refused = {line.split(":")[0].strip(" -") for line in result.stderr.splitlines() if line.startswith("  - ")}

    assert result.returncode == EXIT_CONFIG
    assert refused == {"NOTIFICATIONS_CONTACT_KEYS", "NOTIFICATIONS_CONTACT_INDEX_KEY", "NOTIFICATIONS_SMS_TOKEN",
                       "NOTIFICATIONS_SIGNING_KEYS"}  # fmt: skip
    assert "an example value" in result.stderr and "development value" in result.stderr
    assert "too weak to be a secret" in result.stderr


async def test_with_secrets_of_their_own_ingest_signs_and_eligibility_verifies_from_its_published_keys(
    kafka_bootstrap, databases, district_id
):
    run, port = uuid.uuid4().hex[:6], free_port()
    keys = SigningKeys.new_spec("k1")
    production = {"environment": "production", "kafka_bootstrap_servers": kafka_bootstrap}
    ingest = ingest_app(IngestSettings(
        **production, database_url=databases.create(f"prod_ingest_{run}", migrate="ingest"),
        signing_keys=SecretStr(keys), contact_keys=SecretStr(Fernet.generate_key().decode()),
        trusted_services="notifications=http://127.0.0.1:9/.well-known/jwks.json",
    ))  # fmt: skip
    eligibility = eligibility_app(EligibilitySettings(
        **production, database_url=databases.create(f"prod_elig_{run}", migrate="eligibility"),
        consumer_group=f"prod-elig-{run}", auth_jwks_url=f"http://127.0.0.1:{port}/.well-known/jwks.json",
        contact_keys=SecretStr(Fernet.generate_key().decode()),
    ))  # fmt: skip
    path = f"/v1/districts/{district_id}/playbook"
    async with serve_http(ingest, port), serve(eligibility) as verifying:
        signed_by_ingest = await verifying.get(path, headers=token(district_id, "admin", keys=SigningKeys(keys)), auth=None)
        signed_with_development_key = await verifying.get(path, headers=token(district_id, "admin"), auth=None)

    assert signed_by_ingest.status_code == 200
    assert signed_with_development_key.status_code == 401
