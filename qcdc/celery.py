"""The Celery application.

With ``CELERY_BROKER_URL`` unset the settings turn on ``task_always_eager`` so tasks
run in-process (the embedded default); with a broker they go to real workers.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qcdc.settings")

app = Celery("qcdc")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
