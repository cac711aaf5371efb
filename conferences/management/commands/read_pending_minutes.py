"""Queue the reading of files uploaded before minutes were read (or whose reading was lost)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from conferences.minutes.services import reading_queue
from conferences.models import Attachment


class Command(BaseCommand):
    help = "Đưa vào hàng đợi đọc các tệp đính kèm chưa được đọc (mới nhất trước)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=1000, help="Số tệp tối đa (mặc định 1000).")

    def handle(self, *args: Any, **options: Any) -> None:
        pending = Attachment.objects.filter(reading__isnull=True).order_by("-uploaded_at", "-pk")[: options["limit"]]
        count = 0
        for attachment in pending.iterator():
            with transaction.atomic():
                reading_queue(attachment=attachment)
            count += 1
        self.stdout.write(_("Đã đưa %(count)s tệp vào hàng đợi đọc.") % {"count": count})
