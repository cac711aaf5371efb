"""Minutes readings become jobs of the one job machine (``qcdc.jobs.Job``).

``state`` becomes ``status``: a reading still "reading" is queued again (the sweep resends
its message and a worker claims it), "read" and "unreadable" keep their value and their
results. Nothing is deleted: every existing reading keeps its text, findings and sketch.
"""

import django.utils.timezone
from django.db import migrations, models
from django.db.models import F


def to_jobs(apps, schema_editor):
    MinutesReading = apps.get_model("conferences", "MinutesReading")
    MinutesReading.objects.filter(status="reading").update(status="queued")
    MinutesReading.objects.filter(status__in=["read", "unreadable"]).update(progress=100, attempts=1)
    MinutesReading.objects.update(created_at=F("queued_at"))


def to_states(apps, schema_editor):
    MinutesReading = apps.get_model("conferences", "MinutesReading")
    MinutesReading.objects.filter(status__in=["queued", "running"]).update(status="reading")
    MinutesReading.objects.filter(status="failed").update(status="unreadable")


class Migration(migrations.Migration):
    dependencies = [
        ("conferences", "0012_figures_by_law"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="minutesreading", name="reading_state"),
        migrations.RenameField(model_name="minutesreading", old_name="state", new_name="status"),
        migrations.AlterField(
            model_name="minutesreading",
            name="status",
            field=models.CharField(
                choices=[
                    ("queued", "Đang chờ đọc"),
                    ("running", "Đang đọc"),
                    ("read", "Đã đọc"),
                    ("unreadable", "Không đọc được"),
                    ("failed", "Lỗi khi đọc"),
                ],
                default="queued",
                max_length=16,
                verbose_name="trạng thái đọc",
            ),
        ),
        migrations.AddField(
            model_name="minutesreading", name="attempts", field=models.PositiveSmallIntegerField(default=0)
        ),
        migrations.AddField(
            model_name="minutesreading",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
        migrations.AddField(model_name="minutesreading", name="error", field=models.TextField(blank=True)),
        migrations.AddField(
            model_name="minutesreading", name="heartbeat_at", field=models.DateTimeField(blank=True, null=True)
        ),
        migrations.AddField(
            model_name="minutesreading", name="progress", field=models.PositiveSmallIntegerField(default=0)
        ),
        migrations.AddField(model_name="minutesreading", name="result", field=models.JSONField(blank=True, null=True)),
        migrations.AddField(
            model_name="minutesreading", name="started_at", field=models.DateTimeField(blank=True, null=True)
        ),
        migrations.AddField(
            model_name="minutesreading", name="worker", field=models.CharField(blank=True, max_length=255)
        ),
        migrations.AlterField(
            model_name="minutesreading",
            name="queued_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AddIndex(
            model_name="minutesreading",
            index=models.Index(fields=["status", "queued_at"], name="reading_status"),
        ),
        migrations.RunPython(to_jobs, to_states),
    ]
