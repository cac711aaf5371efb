"""Facts for the years a page, report, close, grid, dashboard or export asks for.

Every reader asks for its years through ``ensure_current``. A year not built
(``years``), or built with rules that changed since (a rule edit whose job has not run
yet), is built on the spot when the tree is small enough
(``settings.FACTS_INLINE_BUILD_UNITS`` units) or outside a request (a job, a command).
In a request over a larger tree, building would take minutes: the reader raises
``FactsPreparing``, and ``FactsPreparingMiddleware`` queues one build job per year and
answers 503 with a page that says the year is being prepared (or recounted under its
new rules) and reloads itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from celery import current_task
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from conferences.facts.maintain import fingerprint, rebuild_year
from conferences.models import FactYear, ObligationRule
from qcdc.jobs import SEND_RETRY
from units.models import Unit

# How long the page waits before it asks again, and how long a queued build is trusted
# to be on its way before a reader queues it again (a lost job, a dead worker).
RETRY_AFTER_SECONDS = 15
logger = logging.getLogger(__name__)
_in_request: ContextVar[bool] = ContextVar("facts_in_request", default=False)


class FactsPreparing(Exception):
    """The facts of ``years`` are not built, or were built with rules that changed since
    (``recounting``), and are too many to build within a request."""

    def __init__(self, years: list[int], recounting: list[int] | None = None) -> None:
        super().__init__(f"facts of {years} are being prepared")
        self.years = years
        self.recounting = recounting or []


def ensure_current(year: int, rules: dict[str, ObligationRule]) -> None:
    """Make ``year``'s facts ready to read (see the module): one query when they are."""
    ensure_current_years({year: rules})


def ensure_current_years(rules: dict[int, dict[str, ObligationRule]]) -> None:
    """``ensure_current`` for several years (their rules by year) in one query."""
    built = dict(FactYear.objects.filter(year__in=list(rules)).values_list("year", "rules_fingerprint"))
    unbuilt, stale = [], []
    for year, year_rules in sorted(rules.items()):
        if year not in built:
            if year_rules:  # without rules there is nothing to build
                unbuilt.append(year)
        elif built[year] != fingerprint(year_rules):
            stale.append(year)
    if unbuilt or stale:
        build_asked(sorted(unbuilt + stale), recounting=stale)


def build_inline() -> bool:
    """Whether a year asked for now is built on the spot: outside a request, in a job
    (run in the request's process when there is no broker), or over a tree small enough
    to build within a request."""
    if not _in_request.get() or current_task:
        return True
    return Unit.objects.count() <= settings.FACTS_INLINE_BUILD_UNITS


def build_asked(years: list[int], *, recounting: list[int] | None = None) -> None:
    """Build ``years`` now (those ``recounting`` again), or raise ``FactsPreparing`` for a
    job to build them."""
    if not build_inline():
        raise FactsPreparing(years, recounting)
    for year in years:
        rebuild_year(year, only_if_stale=True)


def _queued_key(year: int) -> str:
    return f"facts-preparing:{year}"


def queue_builds(years: list[int]) -> None:
    """One build job per year, after commit, unless one is already on its way (marked in
    the cache, shared by every web process, until the job ends or the mark expires)."""
    from conferences.tasks import facts_rebuild_year

    for year in years:
        if cache.add(_queued_key(year), True, timeout=settings.CELERY_TASK_TIME_LIMIT):
            transaction.on_commit(lambda year=year: _send_build(facts_rebuild_year, year))


def _send_build(task: Any, year: int) -> None:
    """Send a year's build with the jobs' retries; when the broker does not answer, drop the
    mark so that the next reader asks again (the page still says "being prepared")."""
    from qcdc.celery import app

    try:
        task.apply_async(kwargs={"year": year, "build": True}, retry=True, retry_policy=SEND_RETRY)
    except Exception:
        build_done(year)
        if app.conf.task_always_eager:
            raise  # in-process: the build itself raised
        logger.exception("could not send the build of the %s facts", year)


def build_done(year: int) -> None:
    """Called by the build job when it ends, built or not: a reader may queue it again."""
    cache.delete(_queued_key(year))


@contextmanager
def serving_request() -> Iterator[None]:
    """Within: readers raise ``FactsPreparing`` rather than build a large tree's year."""
    token = _in_request.set(True)
    try:
        yield
    finally:
        _in_request.reset(token)


def _wants_json(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return request.GET.get("format") == "json" or ("application/json" in accept and "text/html" not in accept)


class FactsPreparingMiddleware:
    """Turn ``FactsPreparing`` into 503 "being prepared" (a page, or JSON for JSON
    requests), with Retry-After, after queuing the years' builds."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with serving_request():
            return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, FactsPreparing):
            return None
        queue_builds(exception.years)
        years = ", ".join(str(y) for y in exception.years)
        message = _("Số liệu năm %(years)s đang được chuẩn bị…") % {"years": years}
        response: HttpResponse
        if _wants_json(request):
            body = {"status": "preparing", "years": exception.years, "recounting": exception.recounting}
            response = JsonResponse({**body, "detail": message}, status=503)
        else:
            context = {
                "years": exception.years,
                "recounting": exception.recounting,
                "first_asked": [y for y in exception.years if y not in exception.recounting],
                "message": message,
                "retry_after": RETRY_AFTER_SECONDS,
            }
            response = render(request, "facts_preparing.html", context, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
