from __future__ import annotations

from typing import Any

from django.http import HttpRequest

import qcdc
from units.permissions import scope_for


def site(request: HttpRequest) -> dict[str, Any]:
    """The version for the footer and the user's scope for the navigation bar."""
    return {"qcdc_version": qcdc.__version__, "nav_scope": scope_for(request.user)}
