"""Report facts only for the years that need them (``conferences.facts.years``): drop
those of the years built before, every year with rules, that have no records of their
own and are not being reported on. A year dropped is built again when it is asked for."""

from django.db import migrations


def forget_unneeded(apps, schema_editor):
    from conferences.facts.years import forget_unneeded

    forget_unneeded()


class Migration(migrations.Migration):
    dependencies = [
        ("conferences", "0013_minutes_reading_is_a_job"),
        # The years being reported on read the tree's depth and the set deadlines.
        ("units", "0012_merge_invitation_jobs_and_active_index"),
    ]

    operations = [migrations.RunPython(forget_unneeded, migrations.RunPython.noop)]
