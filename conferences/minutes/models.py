"""What was read from each minutes file, and which files read nearly the same.

Imported by ``conferences.models`` so the models belong to the app.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from conferences.minutes.extract import Failure, Method
from qcdc.jobs import Job


class MinutesReading(Job):
    """The text of one attachment and what the parser found in it: a job like the
    reports' (claimed, kept alive by its heartbeat, retried, swept; see ``qcdc.jobs``).

    Queued in the upload's transaction; the worker fills it in. It ends "read", or
    "unreadable" with ``why`` (the file holds no text the machine can read), or "failed"
    with ``error`` (the reading itself broke). Its status never gates submission or
    review: it is information for the reviewer.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Đang chờ đọc")
        RUNNING = "running", _("Đang đọc")
        READ = "read", _("Đã đọc")
        UNREADABLE = "unreadable", _("Không đọc được")
        FAILED = "failed", _("Lỗi khi đọc")

    DONE = Status.READ
    TASK = "conferences.tasks.read_minutes"
    FILE_FIELDS = ()

    class Why(models.TextChoices):
        CORRUPT = Failure.CORRUPT, _("tệp hỏng hoặc không mở được")
        ENCRYPTED = Failure.ENCRYPTED, _("PDF được bảo vệ bằng mật khẩu")
        NO_TEXT = Failure.NO_TEXT, _("không tìm thấy chữ nào trong tệp")
        TOO_MANY_PAGES = Failure.TOO_MANY_PAGES, _("bản quét quá nhiều trang để nhận dạng")
        TIMEOUT = Failure.TIMEOUT, _("đọc quá thời gian cho phép")
        UNSUPPORTED = Failure.UNSUPPORTED, _("định dạng tệp không đọc được")
        UNAVAILABLE = Failure.UNAVAILABLE, _("máy chủ chưa cài chương trình đọc (poppler, Tesseract)")

    class How(models.TextChoices):
        TEXT_LAYER = Method.TEXT_LAYER, _("chữ có sẵn trong PDF")
        DOCX = Method.DOCX, _("chữ trong tệp Word")
        OCR = Method.OCR, _("nhận dạng chữ từ ảnh (OCR)")

    attachment = models.OneToOneField(
        "conferences.Attachment", on_delete=models.CASCADE, related_name="reading", verbose_name=_("tệp")
    )
    status = models.CharField(_("trạng thái đọc"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    why = models.CharField(_("lý do không đọc được"), max_length=16, choices=Why.choices, blank=True)
    method = models.CharField(_("cách đọc"), max_length=16, choices=How.choices, blank=True)
    pages = models.PositiveIntegerField(_("số trang"), default=0)
    text = models.TextField(_("nội dung đọc được"), blank=True)
    # Lower case, single spaces: what staff search with `contains` (trigram index on PostgreSQL).
    search_text = models.TextField(blank=True, editable=False)
    held_on = models.DateField(_("ngày tổ chức đọc được"), null=True, blank=True)
    invited = models.PositiveIntegerField(_("số triệu tập đọc được"), null=True, blank=True)
    attended = models.PositiveIntegerField(_("số tham dự đọc được"), null=True, blank=True)
    contents = models.JSONField(_("nội dung tìm thấy"), default=list, blank=True)
    resolution = models.BooleanField(_("có nhắc thông qua nghị quyết"), default=False)
    seconds = models.FloatField(_("thời gian đọc (giây)"), default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("kết quả đọc biên bản")
        verbose_name_plural = _("kết quả đọc biên bản")
        indexes = [models.Index(fields=["status", "queued_at"], name="reading_status")]

    def __str__(self) -> str:
        return f"{self.attachment_id}: {self.get_status_display()}"


class MinutesShingle(models.Model):
    """One value of a reading's bottom-k sketch of word shingles (see ``minutes.similarity``)."""

    reading = models.ForeignKey(MinutesReading, on_delete=models.CASCADE, related_name="shingles")
    value = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["value"], name="shingle_value")]
        constraints = [models.UniqueConstraint(fields=["reading", "value"], name="shingle_unique")]

    def __str__(self) -> str:
        return f"{self.reading_id}: {self.value}"


class MinutesSimilarity(models.Model):
    """Two readings of different units whose texts are nearly identical; stored both ways."""

    reading = models.ForeignKey(MinutesReading, on_delete=models.CASCADE, related_name="similar")
    other = models.ForeignKey(MinutesReading, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["reading", "other"], name="similarity_unique")]

    def __str__(self) -> str:
        return f"{self.reading_id} ~ {self.other_id}: {self.score:.2f}"
