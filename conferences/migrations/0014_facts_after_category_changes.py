"""Build the report facts when conferences 0012 could not: the facts read the units'
category changes (units 0013), whose table does not exist yet when 0012 runs before it
(a database migrated from scratch), and ``schema_ready`` then builds nothing. Only when
no year is built at all: a database that had its facts keeps them (its units have no
category changes yet, so their facts are the same)."""

from django.db import migrations


def build_if_none(apps, schema_editor):
    from conferences.facts.maintain import rebuild_year, rule_years

    if apps.get_model("conferences", "FactYear").objects.exists():
        return
    for year in rule_years():
        rebuild_year(year)


class Migration(migrations.Migration):
    dependencies = [
        ("conferences", "0013_minutes_reading_is_a_job"),
        ("units", "0013_unit_category_changes"),
    ]

    operations = [migrations.RunPython(build_if_none, migrations.RunPython.noop)]
