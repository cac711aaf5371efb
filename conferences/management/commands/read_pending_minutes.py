"""Queue the reading of files uploaded before minutes were read, and with ``--failed`` read
again the files whose reading failed. A reading that was lost on its way (the broker was
down, a worker died) needs nothing here: the job sweep sends it again (``qcdc.jobs.sweep``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from conferences.minutes.models import MinutesReading
from conferences.minutes.services import reading_queue
from conferences.models import Attachment


class Command(BaseCommand):
    help = "Đưa vào hàng đợi đọc các tệp đính kèm chưa được đọc (mới nhất trước); --failed: đọc lại các tệp đọc lỗi."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=1000, help="Số tệp tối đa (mặc định 1000).")
        parser.add_argument("--failed", action="store_true", help="Đọc lại cả các tệp đọc bị lỗi.")

    def handle(self, *args: Any, **options: Any) -> None:
        pending = Q(reading__isnull=True)
        if options["failed"]:
            pending |= Q(reading__status=MinutesReading.Status.FAILED)
        attachments = Attachment.objects.filter(pending).order_by("-uploaded_at", "-pk")[: options["limit"]]
        count = 0
        for attachment in attachments.iterator():
            with transaction.atomic():
                reading_queue(attachment=attachment)
            count += 1
        self.stdout.write(_("Đã đưa %(count)s tệp vào hàng đợi đọc.") % {"count": count})
