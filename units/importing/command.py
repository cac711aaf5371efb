"""What every import command shares: the file argument, --as-user, reading, row errors."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from units.importing.tables import Column, ImportFileError, Table, read_file
from units.permissions import can_manage_units


class ImportCommand(BaseCommand):
    """Base of ``import_units`` and ``import_events``: subclasses plan and apply."""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="path to a .csv or .xlsx file")
        parser.add_argument(
            "--as-user",
            metavar="USERNAME",
            help="only allow this staff user's subtree, and record the import under their name",
        )

    def importer(self, options: dict[str, Any]) -> AbstractBaseUser | None:
        """The --as-user account (a staff member), or None for an unrestricted operator import."""
        username = options["as_user"]
        if not username:
            return None
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("Không có người dùng «%(name)s».") % {"name": username})
        if not can_manage_units(user):
            raise CommandError(_("Người dùng «%(name)s» không có quyền cán bộ để nhập dữ liệu.") % {"name": username})
        return user

    def read(self, path: Path, columns: tuple[Column, ...]) -> Table:
        try:
            return read_file(path, columns=columns)
        except ImportFileError as exc:
            raise CommandError(exc.message) from exc

    def stop_on_errors(self, errors: Sequence[Any]) -> None:
        """Print every row error and exit non-zero: nothing was written."""
        if not errors:
            return
        for error in errors:
            self.stderr.write(_("Dòng %(row)s: %(message)s") % {"row": error.row, "message": error.message})
        raise CommandError(_("%(n)s lỗi; chưa ghi gì.") % {"n": len(errors)})
