"""Helpers for tests that need real services."""

import os

import pytest

REQUIRE_SERVICES = os.environ.get("QCDC_REQUIRE_SERVICES") == "1"


def skip_or_fail(reason: str) -> None:
    """Skip when a service is missing on a developer's machine; fail under `make test`."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (QCDC_REQUIRE_SERVICES=1: `make test` provides it)")
    pytest.skip(reason)
