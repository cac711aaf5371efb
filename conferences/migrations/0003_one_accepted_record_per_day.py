"""One accepted record per unit, kind and day.

Databases filled before this constraint may hold the same event accepted twice (two
confirms of one import, two reviewers at once). Nothing is deleted: the oldest accepted
record stays, each later twin goes back to "returned" with a reason and an audit row,
so the figures (which count a unit once) do not change and a person can look at it.

A twin may lie in a closed period: a migration cannot ask the periods layer (it has no
user and sees historical models), and need not, since the close's snapshot keeps its
figures and the kept twin still counts the unit (tests/test_races.py tests the outcome).
"""

from django.db import migrations, models
from django.db.models import Count, Min

REASON = "Trùng với hồ sơ #%(keep)s (cùng đơn vị, loại và ngày) đã được duyệt; trả lại khi thêm ràng buộc duy nhất."


def return_accepted_twins(apps, schema_editor):
    record_model = apps.get_model("conferences", "Record")
    audit_model = apps.get_model("conferences", "AuditEntry")
    accepted = record_model.objects.filter(status="accepted")
    groups = (
        accepted.values("unit_id", "kind", "held_on").annotate(n=Count("pk"), keep=Min("pk")).filter(n__gt=1)
    )
    for group in groups.iterator():
        twins = accepted.filter(unit_id=group["unit_id"], kind=group["kind"], held_on=group["held_on"]).exclude(
            pk=group["keep"]
        )
        reason = REASON % {"keep": group["keep"]}
        ids = list(twins.values_list("pk", flat=True))
        record_model.objects.filter(pk__in=ids).update(
            status="returned", return_reason=reason, version=models.F("version") + 1
        )
        audit_model.objects.bulk_create(
            audit_model(record_id=pk, action="returned", reason=reason, changes={}) for pk in ids
        )


class Migration(migrations.Migration):
    dependencies = [("conferences", "0002_seed_rules")]

    operations = [
        migrations.RunPython(return_accepted_twins, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="record",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "accepted")),
                fields=("unit", "kind", "held_on"),
                name="record_one_accepted_per_unit_kind_day",
                violation_error_message="Đơn vị đã có hồ sơ cùng loại, cùng ngày được duyệt.",
            ),
        ),
    ]
