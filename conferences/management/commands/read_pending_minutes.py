"""Queue the reading of files uploaded before minutes were read, or whose reading was lost
(still "reading" an hour after it was queued: the broker was down, or a worker died)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from conferences.minutes.models import MinutesReading
from conferences.minutes.services import reading_queue
from conferences.models import Attachment

STUCK_AFTER = datetime.timedelta(hours=1)


class Command(BaseCommand):
    help = "Đưa vào hàng đợi đọc các tệp đính kèm chưa được đọc hoặc đọc dở quá một giờ (mới nhất trước)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=1000, help="Số tệp tối đa (mặc định 1000).")

    def handle(self, *args: Any, **options: Any) -> None:
        lost = Q(reading__state=MinutesReading.State.READING, reading__queued_at__lt=timezone.now() - STUCK_AFTER)
        pending = Attachment.objects.filter(Q(reading__isnull=True) | lost).order_by("-uploaded_at", "-pk")
        pending = pending[: options["limit"]]
        count = 0
        for attachment in pending.iterator():
            with transaction.atomic():
                reading_queue(attachment=attachment)
            count += 1
        self.stdout.write(_("Đã đưa %(count)s tệp vào hàng đợi đọc.") % {"count": count})
