"""The data migration on a database that already has 2023–2030 rules: missing years are
created, what the law adds is added, what administrators wrote is kept."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from conferences.models import ObligationRule

BEFORE = ("conferences", "0009_merge_facts_and_followup")


@pytest.mark.django_db(transaction=True)
def test_it_completes_existing_rules_and_keeps_an_administrators_legal_basis(world):
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    try:
        old = executor.loader.project_state([BEFORE]).apps.get_model("conferences", "ObligationRule")
        old.objects.filter(year__lt=2023).delete()
        old.objects.filter(year=2025, indicator="inspection_board").update(
            categories=["state_agency", "public_service_unit"], legal_basis="Ghi chú của quản trị"
        )
        old.objects.filter(year=2026, indicator="dialogue_periodic").update(legal_basis="")
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert ObligationRule.objects.filter(year__range=(2015, 2022)).count() == 8 * 5
    board = ObligationRule.objects.get(year=2025, indicator="inspection_board")
    assert board.legal_basis == "Ghi chú của quản trị"
    assert "state_enterprise" in board.categories and board.term_years == 2
    dialogue = ObligationRule.objects.get(year=2026, indicator="dialogue_periodic")
    assert "Bộ luật Lao động 2019" in dialogue.legal_basis and dialogue.min_per_year == 1
    assert ObligationRule.objects.get(year=2019, indicator="dialogue_periodic").min_per_year == 4
