"""The contact key ring: the newest key encrypts, every key decrypts, blind indexes match, the default warns."""

from __future__ import annotations

import logging

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import create_engine

from ingest.settings import Settings as IngestSettings
from notifications.settings import Settings as NotificationsSettings
from rollcall_shared.encryption import Encrypted, KeyRing, key_ring_of, use_key_ring

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def test_the_newest_key_encrypts_and_every_key_of_the_ring_decrypts():
    written_before = KeyRing([OLD]).encrypt("Marisol Reyes")
    ring = KeyRing.parse(f" {NEW} , {OLD} ")

    written_now = ring.encrypt("Marisol Reyes")

    assert ring.decrypt(written_before) == ring.decrypt(written_now) == "Marisol Reyes"
    assert KeyRing([NEW]).decrypt(written_now) == "Marisol Reyes"
    assert not ring.is_newest(written_before) and ring.is_newest(ring.rotate(written_before))
    with pytest.raises(InvalidToken):
        KeyRing([OLD]).decrypt(written_now)


def test_a_blind_index_matches_a_value_whatever_its_case_and_spacing_and_only_under_its_own_key():
    ring, other = KeyRing([NEW], "index key"), KeyRing([NEW], "another index key")

    assert ring.blind_index(" Marisol@Example.org") == ring.blind_index("marisol@example.org")
    assert ring.blind_index("+14155550101") != ring.blind_index("+14155550102")
    assert ring.blind_index("+14155550101") != other.blind_index("+14155550101")
    assert "4155550101" not in ring.blind_index("+14155550101")


def test_a_key_that_is_not_a_fernet_key_is_refused_without_being_repeated():
    with pytest.raises(ValueError) as refused:
        KeyRing.parse(f"{NEW},not-a-key-at-all")

    assert "not-a-key-at-all" not in str(refused.value)


def test_a_service_with_no_keys_set_warns_once_that_it_uses_the_development_ones(monkeypatch, caplog):
    for name in ("NOTIFICATIONS_CONTACT_KEYS", "NOTIFICATIONS_CONTACT_INDEX_KEY", "INGEST_CONTACT_KEYS"):
        monkeypatch.delenv(name, raising=False)
    with caplog.at_level(logging.WARNING, logger="rollcall_shared.encryption"):
        development = NotificationsSettings().contact_key_ring()
        IngestSettings().contact_key_ring()
    warned = [record.getMessage() for record in caplog.records]
    monkeypatch.setenv("NOTIFICATIONS_CONTACT_KEYS", NEW)
    monkeypatch.setenv("NOTIFICATIONS_CONTACT_INDEX_KEY", "a production index key")
    caplog.clear()

    production = NotificationsSettings().contact_key_ring()

    assert development.development == ("CONTACT_KEYS", "CONTACT_INDEX_KEY") and production.development == ()
    assert len(warned) == 2 and "NOTIFICATIONS_CONTACT_KEYS and NOTIFICATIONS_CONTACT_INDEX_KEY" in warned[0]
    assert "set INGEST_CONTACT_KEYS " in warned[1]
    assert caplog.records == []
    assert KeyRing([NEW]).decrypt(production.encrypt("x")) == "x"


def test_an_engine_without_a_ring_cannot_store_an_encrypted_column_and_says_why():
    engine, other = create_engine("sqlite://"), create_engine("sqlite://")
    use_key_ring(other, KeyRing([NEW]))
    store = Encrypted(json=True).bind_processor(engine.dialect)

    with pytest.raises(RuntimeError, match="use_key_ring"):
        store({"name": "Marisol"})
    assert key_ring_of(other.dialect).decrypt(Encrypted(json=True).bind_processor(other.dialect)([1, "é"])) == '[1,"é"]'
