"""A district's client gets tokens with its key and secret; secrets rotate and clients are revoked without a restart."""

from __future__ import annotations

import asyncio
import re
import uuid

import jwt
import pytest
from pydantic import SecretStr
from sqlalchemy import create_engine, text

from eligibility.app import create_app as eligibility_app
from eligibility.settings import Settings as EligibilitySettings
from ingest.app import create_app as ingest_app
from ingest.settings import Settings as IngestSettings
from rollcall_dev.admin import main
from rollcall_shared.tokens import SigningKeys, development_keys
from tests.security.conftest import token
from tests.support.process import free_port
from tests.support.stack import serve, serve_http, until

pytestmark = pytest.mark.integration

ATTENDANCE = [{"studentReference": {"studentUniqueId": "604822"},
               "schoolReference": {"schoolId": 255901001},
               "sessionReference": {"schoolId": 255901001, "schoolYear": 2022, "sessionName": "2021-2022 Fall Semester"},
               "eventDate": "2021-09-07",
               "attendanceEventCategoryDescriptor": "uri://ed-fi.org/AttendanceEventCategoryDescriptor#Unexcused Absence"}]  # fmt: skip


async def cli(capsys, *argv: str) -> tuple[int, str]:
    code = await asyncio.to_thread(main, list(argv))
    return code, capsys.readouterr().out


def _credentials(printed: str) -> tuple[str, str]:
    return re.search(r"key\s+(\S+)", printed).group(1), re.search(r"secret\s+(\S+)", printed).group(1)


async def _token(services, key: str, secret: str, **form: str):
    return await services.ingest.post("/oauth/token", auth=(key, secret), data={"grant_type": "client_credentials", **form})


async def test_an_sis_client_writes_its_own_district_and_nothing_else(services, district_id, monkeypatch, capsys):
    monkeypatch.setenv("INGEST_DATABASE_URL", services.ingest_database)
    code, printed = await cli(capsys, "clients", "create", district_id, "--name", "SIS", "--scope", "attendance:write")
    key, secret = _credentials(printed)

    issued = await _token(services, key, secret)
    by_form = await services.ingest.post("/oauth/token", auth=None, data={
        "grant_type": "client_credentials", "client_id": key, "client_secret": secret})  # fmt: skip
    by_json = await services.ingest.post("/oauth/token", auth=(key, secret), json={"grant_type": "client_credentials"})
    bearer = {"Authorization": f"Bearer {issued.json()['access_token']}"}
    own = await services.ingest.post(f"/v1/districts/{district_id}/ed-fi/studentSchoolAttendanceEvents",
                                     json=ATTENDANCE, headers=bearer)  # fmt: skip
    elsewhere = await services.ingest.post(f"/v1/districts/{district_id}-b/ed-fi/studentSchoolAttendanceEvents",
                                           json=ATTENDANCE, headers=bearer)  # fmt: skip
    nowhere = await services.ingest.post("/v1/districts/no-such-district/ed-fi/studentSchoolAttendanceEvents",
                                         json=ATTENDANCE, headers=bearer)  # fmt: skip
    read = await services.eligibility.get(f"/v1/districts/{district_id}/students", headers=bearer)
    narrowed = await _token(services, key, secret, audience="eligibility")

    assert code == 0 and key.startswith("rc_")
    assert issued.status_code == 200 and issued.headers["cache-control"] == "no-store"
    assert issued.json()["token_type"] == "bearer" and issued.json()["expires_in"] == 900
    assert issued.json()["scope"] == "attendance:write"
    assert by_form.status_code == 200 and by_json.status_code == 200
    assert own.status_code == 200 and own.json()["accepted"] == 1
    assert elsewhere.status_code == nowhere.status_code == 403 and elsewhere.json() == nowhere.json()
    assert issued_for(issued) == ["ingest"]  # attendance:write reaches ingest alone
    assert read.status_code == 401 and "not for eligibility" in read.json()["detail"]
    assert (narrowed.status_code, narrowed.json()["error"]) == (400, "invalid_target")


async def test_the_token_endpoint_names_what_is_wrong(services, district_id, monkeypatch, capsys):
    monkeypatch.setenv("INGEST_DATABASE_URL", services.ingest_database)
    _, printed = await cli(capsys, "clients", "create", district_id, "--name", "Reports", "--scope", "summaries:read")
    key, secret = _credentials(printed)

    wrong_secret = await _token(services, key, "not-the-secret")
    unknown = await _token(services, "rc_nobody", secret)
    wrong_grant = await services.ingest.post("/oauth/token", auth=(key, secret), data={"grant_type": "password"})
    too_much = await _token(services, key, secret, scope="summaries:read admin")
    nothing = await services.ingest.post("/oauth/token", auth=None, data={"grant_type": "client_credentials"})

    assert wrong_secret.status_code == unknown.status_code == nothing.status_code == 401
    assert wrong_secret.json()["error"] == "invalid_client" and wrong_secret.json() == unknown.json()
    assert wrong_secret.headers["www-authenticate"].startswith("Basic")
    assert (wrong_grant.status_code, wrong_grant.json()["error"]) == (400, "unsupported_grant_type")
    assert (too_much.status_code, too_much.json()["error"]) == (400, "invalid_scope")


async def test_a_rotated_secret_overlaps_the_old_one_and_a_revoked_client_gets_no_token(
    services, district_id, monkeypatch, capsys
):
    monkeypatch.setenv("INGEST_DATABASE_URL", services.ingest_database)
    _, printed = await cli(capsys, "clients", "create", district_id, "--name", "SIS", "--scope", "attendance:write")
    key, first = _credentials(printed)
    _, printed = await cli(capsys, "clients", "rotate", key, "--overlap-hours", "1")
    _, second = _credentials(printed)
    both = [(await _token(services, key, secret)).status_code for secret in (first, second)]
    _, printed = await cli(capsys, "clients", "rotate", key, "--overlap-hours", "0")
    _, third = _credentials(printed)
    after = [(await _token(services, key, secret)).status_code for secret in (first, second, third)]
    code, listed = await cli(capsys, "clients", "list", district_id)
    await cli(capsys, "clients", "revoke", key)
    revoked = await _token(services, key, third)
    stored = create_engine(services.ingest_database.replace("+asyncpg", "+psycopg"))
    with stored.connect() as connection:
        hashes = connection.execute(text("SELECT secret_hash FROM client_secret WHERE client_id = :k"), {"k": key}).scalars().all()
    stored.dispose()

    assert both == [200, 200] and after == [401, 401, 200]
    assert code == 0 and key in listed and "attendance:write" in listed
    assert revoked.status_code == 401
    assert len(hashes) == 3 and all(h.startswith("$argon2") for h in hashes)
    assert not {first, second, third} & set(hashes)


async def test_a_rotated_signing_key_is_learnt_from_the_jwks_and_a_retired_one_stops(kafka_bootstrap, databases, district_id):
    run = uuid.uuid4().hex[:6]
    old, new = SigningKeys.new_spec("k1"), SigningKeys.new_spec("k2")
    ingest_settings = IngestSettings(database_url=databases.create(f"sec_iss_{run}", migrate="ingest"),
                                     kafka_bootstrap_servers=kafka_bootstrap, signing_keys=old)  # fmt: skip
    port = free_port()
    eligibility = eligibility_app(EligibilitySettings(
        database_url=databases.create(f"sec_keys_{run}", migrate="eligibility"), kafka_bootstrap_servers=kafka_bootstrap,
        consumer_group=f"sec-keys-{run}", auth_jwks_url=f"http://127.0.0.1:{port}/.well-known/jwks.json",
        auth_jwks_cache_seconds=0.5,
    ))  # fmt: skip
    path = f"/v1/districts/{district_id}/playbook"
    signed_old = token(district_id, "admin", keys=SigningKeys(old))
    signed_new = token(district_id, "admin", keys=SigningKeys(f"{new},{old}"))

    async def status(headers: dict[str, str]) -> int:
        return (await verifying.get(path, headers=headers, auth=None)).status_code

    async with serve(eligibility) as verifying:
        async with serve_http(ingest_app(ingest_settings), port):
            before = [await status(signed_old), await status(signed_new)]
        async with serve_http(ingest_app(ingest_settings.model_copy(update={"signing_keys": SecretStr(f"{new},{old}")})), port):
            during = [await until(lambda: _is(status(signed_new), 200)), await status(signed_old)]
        async with serve_http(ingest_app(ingest_settings.model_copy(update={"signing_keys": SecretStr(new)})), port) as ingest:
            await until(lambda: _is(status(signed_old), 401))
            retired = await verifying.get(path, headers=signed_old, auth=None)
            after = await status(signed_new)
            published = (await ingest.get("/.well-known/jwks.json")).json()["keys"]

    assert before == [200, 401] and during[1] == 200 and after == 200
    assert retired.status_code == 401 and "no longer accepts" in retired.json()["detail"]
    assert retired.headers["www-authenticate"].startswith("Bearer")
    assert [(key["kid"], key["kty"], key["crv"], key["alg"]) for key in published] == [("k2", "OKP", "Ed25519", "EdDSA")]
    assert not {"d", "k"} & {field for key in published for field in key}  # public halves only


async def test_tokens_are_held_to_their_life_audience_issuer_and_signature(services, district_id):
    path = f"/v1/districts/{district_id}/playbook"
    roster = f"/v1/districts/{district_id}/roster"
    stranger = SigningKeys(SigningKeys.new_spec("dev-ingest"))  # the development kid, another key
    notifications = development_keys("notifications")
    forged = jwt.encode({"iss": "rollcall", "sub": "x", "aud": ["eligibility"], "district_id": district_id,
                         "scope": "admin", "iat": 0, "exp": 2**40}, "dev", "HS256", headers={"kid": "dev-ingest"})  # fmt: skip
    answers = {
        name: await services.eligibility.get(path, headers=headers, auth=None)
        for name, headers in {
            "late within the leeway": token(district_id, "admin", seconds=-10),
            "expired": token(district_id, "admin", seconds=-60),
            "for ingest only": token(district_id, "admin", audience=("ingest",)),
            "signed by a stranger": token(district_id, "admin", keys=stranger),
            "HS256 with a guessed secret": {"Authorization": f"Bearer {forged}"},
            "a service eligibility does not trust": token(district_id, "roster:read", keys=notifications,
                                                          issuer="notifications", audience=("eligibility",)),
        }.items()
    }  # fmt: skip
    service_read = await services.ingest.get(roster, headers=token(
        district_id, "roster:read", keys=notifications, issuer="notifications", audience=("ingest",)), auth=None)
    service_overreach = await services.ingest.get(roster, headers=token(
        district_id, "roster:read", "admin", keys=notifications, issuer="notifications", audience=("ingest",)), auth=None)

    assert answers.pop("late within the leeway").status_code == 200
    assert "expired" in answers["expired"].json()["detail"]
    assert "not for eligibility" in answers["for ingest only"].json()["detail"]
    assert {name: answer.status_code for name, answer in answers.items()} == dict.fromkeys(answers, 401)
    assert service_read.status_code == 200
    assert service_overreach.status_code == 401 and "only the scopes" in service_overreach.json()["detail"]


async def _is(answer, wanted: int) -> bool:
    return await answer == wanted


def issued_for(answer) -> list[str]:
    return jwt.decode(answer.json()["access_token"], options={"verify_signature": False})["aud"]


async def test_an_sis_client_past_its_rate_is_told_when_to_retry_and_others_go_on(kafka_bootstrap, databases, district_id):
    run = uuid.uuid4().hex[:6]
    settings = IngestSettings(database_url=databases.create(f"sec_rate_{run}", migrate="ingest"),
                              kafka_bootstrap_servers=kafka_bootstrap, rate_limit="3/minute")  # fmt: skip
    path = f"/v1/districts/{district_id}/ed-fi/studentSchoolAttendanceEvents"
    busy, quiet = (token(district_id, "attendance:write", client=name) for name in ("rc_busy", "rc_quiet"))
    async with serve(ingest_app(settings)) as ingest:
        first = [(await ingest.post(path, json=ATTENDANCE, headers=busy, auth=None)).status_code for _ in range(3)]
        refused = await ingest.post(path, json=ATTENDANCE, headers=busy, auth=None)
        other = await ingest.post(path, json=ATTENDANCE, headers=quiet, auth=None)

    assert first == [200, 200, 200]
    assert refused.status_code == 429 and 1 <= int(refused.headers["retry-after"]) <= 60
    assert "3 per 1 minute" in refused.json()["detail"]
    assert other.status_code == 200
