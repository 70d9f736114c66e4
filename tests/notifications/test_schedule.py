"""When texts and emails may go out: quiet hours in the district's time zone, and again after a provider's outage."""

from __future__ import annotations

from datetime import UTC, datetime, time

from notifications.districts.schemas import DistrictSettingsBody, QuietHours
from notifications.outreach.schedule import retry_after, send_after

DEFAULTS = DistrictSettingsBody(time_zone="America/Los_Angeles")


def test_a_text_due_during_the_night_waits_for_eight_in_the_morning_local_time() -> None:
    late_evening = datetime(2026, 11, 23, 5, 30, tzinfo=UTC)  # 21:30 in Los Angeles

    assert send_after(late_evening, channel="sms", settings=DEFAULTS) == datetime(2026, 11, 23, 16, 0, tzinfo=UTC)


def test_a_text_due_after_midnight_waits_for_the_same_morning() -> None:
    small_hours = datetime(2026, 11, 23, 10, 15, tzinfo=UTC)  # 02:15 in Los Angeles

    assert send_after(small_hours, channel="sms", settings=DEFAULTS) == datetime(2026, 11, 23, 16, 0, tzinfo=UTC)


def test_a_text_due_in_the_day_goes_at_once_and_letters_and_emails_have_no_quiet_hours_by_default() -> None:
    afternoon = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)  # 14:00 in Los Angeles
    night = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)

    assert send_after(afternoon, channel="sms", settings=DEFAULTS) == afternoon
    assert send_after(night, channel="email", settings=DEFAULTS) == night
    assert send_after(night, channel="letter", settings=DEFAULTS) == night


def test_quiet_hours_follow_daylight_saving_time() -> None:
    summer = datetime(2026, 7, 1, 4, 0, tzinfo=UTC)  # 21:00 PDT

    assert send_after(summer, channel="sms", settings=DEFAULTS) == datetime(2026, 7, 1, 15, 0, tzinfo=UTC)


def test_a_district_sets_quiet_hours_for_email_too() -> None:
    settings = DEFAULTS.model_copy(update={"quiet_hours": {"email": QuietHours(start=time(18), end=time(7))}})
    evening = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # 19:00 in Los Angeles

    assert send_after(evening, channel="email", settings=settings) == datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    assert send_after(evening, channel="sms", settings=settings) == evening


def test_the_wait_after_a_provider_did_not_take_a_message_doubles_up_to_its_most() -> None:
    waits = [retry_after(attempts, first=60, most=3600).total_seconds() for attempts in range(1, 10)]

    for attempts, wait in enumerate(waits[:6], start=1):
        assert 60 * 2 ** (attempts - 1) <= wait <= 60 * 2 ** (attempts - 1) * 1.25
    assert waits[6:] == [3600.0] * 3
