"""The figures follow the law's frequency, term and quorum: the report facts of every
year with rules are rebuilt with them. Closed periods keep their figures: a close is a
snapshot (``reports.SnapshotRow`` and the close's stored result), never recounted."""

from django.db import migrations


def rebuild_facts(apps, schema_editor):
    from conferences.facts.maintain import rebuild_year, rule_years

    for year in rule_years():
        rebuild_year(year)


class Migration(migrations.Migration):

    dependencies = [
        ("conferences", "0011_record_headcount"),
        # The facts read the units' work year: its column must exist when they are built.
        ("units", "0010_merge_invitations_and_work_year"),
    ]

    operations = [
        migrations.RunPython(rebuild_facts, migrations.RunPython.noop),
    ]
