"""Writes of the minutes reading: queue a file, read it, store what was found."""

from __future__ import annotations

import math
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from conferences.minutes import parse, similarity
from conferences.minutes.extract import Extraction, Failure, extract
from conferences.minutes.models import MinutesReading, MinutesShingle, MinutesSimilarity
from conferences.minutes.selectors import content_keywords
from conferences.models import Attachment
from conferences.permissions import can_reread
from qcdc import jobs

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


def reading_queue(*, attachment: Attachment) -> MinutesReading:
    """Queue the reading of ``attachment``: its job's message leaves once the upload commits.

    Called inside the upload's transaction; the reading never blocks anything else (a
    broker that does not answer fails the reading with its reason, not the upload).
    """
    reading, _ = MinutesReading.objects.update_or_create(
        attachment=attachment,
        defaults={
            "status": MinutesReading.Status.QUEUED,
            "why": "",
            "error": "",
            "progress": 0,
            "attempts": 0,
            "worker": "",
            "queued_at": timezone.now(),
            "finished_at": None,
        },
    )
    jobs.enqueue(reading)
    return reading


@transaction.atomic
def reading_retry(*, reading: MinutesReading, by: AbstractBaseUser | AnonymousUser) -> MinutesReading:
    """Queue again the reading of a file whose reading failed; any other reading stays as it is."""
    current = (
        MinutesReading.objects.select_for_update().select_related("attachment__record__unit__node").get(pk=reading.pk)
    )
    if not can_reread(by, current.attachment.record):
        raise PermissionDenied
    if current.status != MinutesReading.Status.FAILED:
        return current
    return reading_queue(attachment=current.attachment)


@contextmanager
def _local_copy(attachment: Attachment) -> Iterator[Path]:
    """A path to the file on this machine, copying it from remote storage when needed."""
    try:
        local = Path(attachment.file.path)
    except NotImplementedError:
        local = None
    if local is not None:
        yield local
        return
    with tempfile.NamedTemporaryFile(prefix="qcdc-minutes-") as copy, attachment.file.open("rb") as source:
        shutil.copyfileobj(source, copy)
        copy.flush()
        yield Path(copy.name)


def minutes_read(reading: MinutesReading) -> None:
    """Extract and parse the text of a claimed reading's file and store what was found.

    The extraction runs outside any transaction (it can take minutes); the result, the
    sketch and the near-copy pairs are written together, and only while this attempt
    still holds the reading (a file deleted meanwhile took its reading with it).
    """
    attachment = Attachment.objects.select_related("record").filter(pk=reading.attachment_id).first()
    if attachment is None:
        return
    try:
        with _local_copy(attachment) as path:
            extraction = extract(path)
    except OSError:  # the stored file is gone
        extraction = Extraction(failure=Failure.CORRUPT)
    jobs.progress(reading, 80)
    findings = parse.read(extraction.text, content_keywords(attachment.record.kind)) if extraction.ok else None
    with transaction.atomic():
        finished = jobs.finish(
            reading,
            status=MinutesReading.Status.READ if extraction.ok else MinutesReading.Status.UNREADABLE,
            why=extraction.failure,
            method=extraction.method,
            pages=extraction.pages,
            text=extraction.text,
            search_text=parse.search_form(extraction.text),
            seconds=round(extraction.seconds, 2),
            held_on=findings.held_on if findings else None,
            invited=findings.invited if findings else None,
            attended=findings.attended if findings else None,
            contents=findings.contents if findings else [],
            resolution=findings.resolution if findings else False,
        )
        if finished:
            _store_sketch(reading, similarity.sketch(extraction.text), unit_id=attachment.record.unit_id)


def _store_sketch(reading: MinutesReading, sketch: list[int], *, unit_id: int) -> None:
    """Replace the reading's sketch and its near-copy pairs with other units' readings."""
    MinutesShingle.objects.filter(reading=reading).delete()
    MinutesSimilarity.objects.filter(reading=reading).delete()
    MinutesSimilarity.objects.filter(other=reading).delete()
    if not sketch:
        return
    MinutesShingle.objects.bulk_create(MinutesShingle(reading=reading, value=v) for v in sketch)
    needed = math.ceil(settings.MINUTES_SIMILARITY_THRESHOLD * len(sketch))
    matches = (
        MinutesShingle.objects.filter(value__in=sketch)
        .exclude(reading=reading)
        .exclude(reading__attachment__record__unit_id=unit_id)
        .values("reading_id")
        .annotate(shared=Count("pk"))
        .filter(shared__gte=needed)
        .order_by("-shared")[: settings.MINUTES_SIMILARITY_MAX_PAIRS]
    )
    pairs = []
    for match in matches:
        score = round(match["shared"] / len(sketch), 3)
        pairs.append(MinutesSimilarity(reading=reading, other_id=match["reading_id"], score=score))
        pairs.append(MinutesSimilarity(reading_id=match["reading_id"], other=reading, score=score))
    MinutesSimilarity.objects.bulk_create(pairs, ignore_conflicts=True)
