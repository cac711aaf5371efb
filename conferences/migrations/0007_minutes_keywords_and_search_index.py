"""Fill the checklist keywords that reading the minutes uses; index the minutes text for search.

On PostgreSQL the search (``search_text LIKE '%…%'``) uses a trigram index; other
databases scan, which is fine for the embedded demo.
"""

from django.db import migrations

from conferences.defaults import KEYWORDS


def fill_keywords(apps, schema_editor):
    ContentItem = apps.get_model("conferences", "ContentItem")
    for code, words in KEYWORDS.items():
        ContentItem.objects.filter(code=code, keywords="").update(keywords="\n".join(words))


def create_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS reading_search_trgm ON conferences_minutesreading "
        "USING gin (search_text gin_trgm_ops)"
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS reading_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("conferences", "0006_minutes_reading")]

    operations = [
        migrations.RunPython(fill_keywords, migrations.RunPython.noop),
        migrations.RunPython(create_trigram_index, drop_trigram_index),
    ]
