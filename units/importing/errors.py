"""The error every import step raises for a file it cannot read at all."""

from __future__ import annotations


class ImportFileError(Exception):
    """The file cannot be read at all (wrong type, not UTF-8, broken workbook, too big …)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
