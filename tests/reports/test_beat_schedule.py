"""The periodic jobs are schedule rows as soon as the database is migrated."""

import pytest
from django.conf import settings
from django_celery_beat.models import PeriodicTask

pytestmark = pytest.mark.django_db


def test_a_migrated_database_holds_every_periodic_job_of_the_settings():
    rows = {task.name: task for task in PeriodicTask.objects.select_related("interval", "crontab")}
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert rows[name].task == entry["task"]
        assert rows[name].enabled
    nightly = rows["rebuild-reports-nightly"].crontab
    assert (nightly.hour, nightly.minute, str(nightly.timezone)) == ("1", "30", "Asia/Ho_Chi_Minh")
    assert rows["sweep-report-runs"].interval.every == settings.CELERY_BEAT_SCHEDULE["sweep-report-runs"]["schedule"]
