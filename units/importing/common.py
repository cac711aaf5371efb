"""What the unit and tree importers share: batch sizes, lookups by code, the scope check."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models

from units.permissions import scope_for

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

WRITE_BATCH = 2000
IN_CHUNK = 5000  # keeps IN (...) lists well under every database's parameter limit
PREVIEW_ROWS = 200

M = TypeVar("M", bound=models.Model)


class ImportConflict(Exception):
    """The database changed between the preview and the write (an edit, a new code)."""


def load_by_code(queryset: models.QuerySet[M], codes: Iterable[str]) -> dict[str, M]:
    """``{code: object}`` for the codes that exist, one query per 5,000 codes."""
    wanted = sorted(set(codes))
    found: dict[str, M] = {}
    for start in range(0, len(wanted), IN_CHUNK):
        for obj in queryset.filter(code__in=wanted[start : start + IN_CHUNK]):
            found[obj.code] = obj  # type: ignore[attr-defined]
    return found


def path_checker(by: AbstractBaseUser | AnonymousUser | None) -> Callable[[str], bool]:
    """Whether a node path lies where ``by`` may write; no user means an operator (anywhere)."""
    if by is None:
        return lambda path: True
    scope = scope_for(by)
    if scope.is_admin:
        return lambda path: True
    return lambda path: any(path.startswith(p) for p in scope.staff_paths)


def history_user(by: AbstractBaseUser | AnonymousUser | None) -> Any:
    return by if by is not None and by.is_authenticated else None
