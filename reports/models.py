from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """The last time each Celery worker proved it can run a task and write a row.

    Celery beat sends the heartbeat task every few minutes; /healthz reports the
    newest one so operators see a stuck queue before users do.
    """

    worker = models.CharField(_("worker"), max_length=255, unique=True)
    seen_at = models.DateTimeField(_("lần cuối"))

    class Meta:
        verbose_name = _("nhịp worker")
        verbose_name_plural = _("nhịp worker")

    def __str__(self) -> str:
        return f"{self.worker} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"
