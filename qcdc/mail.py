"""E-mail subjects built from data people typed: always one clean line."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from qcdc.validators import CONTROL_CHARACTERS


def one_line(text: str) -> str:
    """Control characters become spaces and runs of spaces one space: a subject with a
    CR/LF would make Django refuse the whole message (BadHeaderError)."""
    return " ".join(CONTROL_CHARACTERS.sub(" ", text).split())


def email_subject(template_name: str, context: dict[str, Any]) -> str:
    return one_line(render_to_string(template_name, context))
