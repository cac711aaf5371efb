from django.db import migrations


def seed(apps, schema_editor):
    from conferences.defaults import SEEDED_YEARS
    from conferences.rules import seed_rules

    content_model = apps.get_model("conferences", "ContentItem")
    rule_model = apps.get_model("conferences", "ObligationRule")
    for year in SEEDED_YEARS:
        seed_rules(year=year, content_model=content_model, rule_model=rule_model)


class Migration(migrations.Migration):
    dependencies = [("conferences", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
