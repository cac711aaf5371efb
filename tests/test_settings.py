import os

import pytest
from django.conf import settings
from django.db import connection
from django.utils import formats, timezone, translation

from tests.support import skip_or_fail


@pytest.mark.django_db
def test_it_runs_on_postgresql_when_database_url_is_set():
    if not os.environ.get("DATABASE_URL"):
        skip_or_fail("DATABASE_URL is not set: the embedded SQLite default is in use")
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        assert int(cursor.fetchone()[0].split(".")[0]) >= 13


def test_it_uses_the_broker_only_when_one_is_configured():
    # With no broker URL tasks run in-process; with one they go to real workers.
    assert (not settings.CELERY_BROKER_URL) == settings.CELERY_TASK_ALWAYS_EAGER


def test_it_is_vietnamese_first_in_the_ho_chi_minh_time_zone():
    assert settings.LANGUAGE_CODE == "vi"
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh"
    assert [code for code, _name in settings.LANGUAGES] == ["vi", "en"]


@pytest.mark.parametrize("language", ["vi", "en"])
def test_it_formats_dates_as_dd_mm_yyyy_in_both_languages(language):
    import datetime

    with translation.override(language):
        assert formats.date_format(datetime.date(2025, 3, 7), "SHORT_DATE_FORMAT") == "07/03/2025"
        assert formats.date_format(datetime.date(2025, 3, 7)) == "07/03/2025"


def test_it_shows_times_in_vietnam_time():
    import datetime

    utc_noon = datetime.datetime(2025, 1, 1, 12, 0, tzinfo=datetime.UTC)
    assert timezone.localtime(utc_noon).hour == 19
