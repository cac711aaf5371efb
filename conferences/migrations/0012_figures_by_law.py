"""The figures follow the law's frequency, term and quorum and the units' work years, and
leave out of quality rates the records whose quality cannot be judged; the report facts of every year with rules
are rebuilt with them. Closed periods keep their figures: a close is a snapshot
(``reports.SnapshotRow`` and the close's stored result), never recounted. Records of
closed periods are rewritten too (a migration has no user for the periods layer to
refuse); which records a close freezes reads neither their year nor their assessment,
so it does not change (tests/test_guards_migrations.py)."""

from django.db import migrations, models


def not_assessed_history(apps, schema_editor):
    """Records imported before the history columns existed, and never completed since (no
    contents, resolution, headcount, file or edit): their quality cannot be judged."""
    record_model = apps.get_model("conferences", "Record")
    audit_model = apps.get_model("conferences", "AuditEntry")
    imported = audit_model.objects.filter(action="imported").values("record_id")
    completed = audit_model.objects.filter(action__in=["edited", "file_added"]).values("record_id")
    record_model.objects.filter(
        pk__in=imported,
        contents__isnull=True,
        resolution_adopted__isnull=True,
        headcount__isnull=True,
        attachments__isnull=True,
    ).exclude(pk__in=completed).update(quality_assessed=False)


def work_years(apps, schema_editor):
    """Records of units whose work year starts in another month than January count in the
    year their work year begins (``units.periods.work_year``); they counted in the
    calendar year until now."""
    from django.db.models import Case, IntegerField, When
    from django.db.models.functions import ExtractYear

    unit_model = apps.get_model("units", "Unit")
    record_model = apps.get_model("conferences", "Record")
    months = unit_model.objects.exclude(work_year_start_month=1).values_list("work_year_start_month", flat=True)
    for month in sorted(set(months)):
        units = unit_model.objects.filter(work_year_start_month=month).values("pk")
        record_model.objects.filter(unit_id__in=units).update(
            year=Case(
                When(held_on__month__gte=month, then=ExtractYear("held_on")),
                default=ExtractYear("held_on") - 1,
                output_field=IntegerField(),
            )
        )


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
        migrations.AddField(
            model_name="fact",
            name="assessed",
            field=models.BooleanField(default=True),
        ),
        migrations.AddField(
            model_name="factcube",
            name="assessed",
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name="record",
            name="quality_assessed",
            field=models.BooleanField(
                default=True,
                help_text="Không với hồ sơ nhập từ lịch sử không kèm nội dung, nghị quyết, hình thức, số lao động: chất lượng của hồ sơ chưa đánh giá và không tính vào tỷ lệ đạt chất lượng.",
                verbose_name="đánh giá được chất lượng",
            ),
        ),
        migrations.RunPython(not_assessed_history, migrations.RunPython.noop),
        migrations.RunPython(work_years, migrations.RunPython.noop),
        migrations.RunPython(rebuild_facts, migrations.RunPython.noop),
    ]
