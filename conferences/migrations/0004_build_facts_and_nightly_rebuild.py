"""Build the report facts of every year that has rules, and schedule the nightly rebuild.

The facts are built with the app's own code (``conferences.facts.maintain``): they are
derived data, rebuilt the same way by ``manage.py facts_rebuild``. On a fresh database
there is nothing to count and the years are only stamped.
"""

from django.db import migrations

NIGHTLY = "rebuild-report-facts-nightly"


def build_facts(apps, schema_editor):
    from conferences.facts.maintain import rebuild_year, rule_years

    for year in rule_years():
        rebuild_year(year)


def schedule_nightly(apps, schema_editor):
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    # Before the nightly report rebuild (01:30), so that it reads freshly rebuilt facts.
    schedule, _created = crontab_model.objects.get_or_create(
        minute="0", hour="1", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Ho_Chi_Minh"
    )
    task_model.objects.get_or_create(
        name=NIGHTLY,
        defaults={"task": "conferences.tasks.facts_rebuild_year", "crontab": schedule, "kwargs": '{"force": true}'},
    )


def unschedule_nightly(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NIGHTLY).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("conferences", "0003_report_facts"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("units", "0002_tree_over_time"),
    ]

    operations = [
        migrations.RunPython(build_facts, migrations.RunPython.noop),
        migrations.RunPython(schedule_nightly, unschedule_nightly),
    ]
