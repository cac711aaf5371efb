"""The periodic jobs as django-celery-beat rows, so that a fresh database lists them in the
admin (and beat runs them) from the first `migrate`, before beat has ever started. The
names are those of CELERY_BEAT_SCHEDULE: when beat starts it updates these rows rather
than adding others."""

from django.db import migrations

TIMEZONE = "Asia/Ho_Chi_Minh"
INTERVALS = {
    "worker-heartbeat": ("reports.tasks.worker_heartbeat", 300),
    "sweep-report-runs": ("reports.tasks.sweep_jobs", 60),
}
CRONTABS = {
    "rebuild-reports-nightly": ("reports.tasks.rebuild_current_year", {"minute": "30", "hour": "1"}),
    "weekly-reminders": ("reports.tasks.send_reminders", {"minute": "0", "hour": "7", "day_of_week": "mon"}),
}


def add_rows(apps, schema_editor):
    interval_model = apps.get_model("django_celery_beat", "IntervalSchedule")
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, (task, seconds) in INTERVALS.items():
        every, _created = interval_model.objects.get_or_create(every=seconds, period="seconds")
        task_model.objects.get_or_create(name=name, defaults={"task": task, "interval": every})
    for name, (task, fields) in CRONTABS.items():
        when = {"minute": "*", "hour": "*", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*", **fields}
        crontab, _created = crontab_model.objects.get_or_create(**when, timezone=TIMEZONE)
        task_model.objects.get_or_create(name=name, defaults={"task": task, "crontab": crontab})


def remove_rows(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[*INTERVALS, *CRONTABS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0005_job_heartbeat"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(add_rows, remove_rows)]
