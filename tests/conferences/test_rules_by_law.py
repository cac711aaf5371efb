"""Each default rule rests on a text and an article: the years of each law, the inspection
board in state-owned enterprises, the pre-2021 dialogue frequency, the political bodies."""

import pytest
from django.urls import reverse

from conferences.defaults import SEEDED_YEARS, default_rules
from conferences.models import ObligationRule
from units.models import Category

pytestmark = pytest.mark.django_db


def rule(year: int, indicator: str) -> ObligationRule:
    return ObligationRule.objects.get(year=year, indicator=indicator)


def test_it_seeds_every_rule_of_every_year_from_2015_to_2030_with_a_legal_basis():
    assert list(SEEDED_YEARS) == list(range(2015, 2031))
    for year in SEEDED_YEARS:
        rules = ObligationRule.objects.filter(year=year)
        assert rules.count() == 5, year
        assert not rules.filter(legal_basis="").exists(), year


def test_it_requires_four_periodic_dialogues_a_year_under_the_labour_code_2012():
    for year in range(2015, 2021):
        dialogue = rule(year, "dialogue_periodic")
        assert dialogue.min_per_year == 4
        assert "Bộ luật Lao động 2012" in dialogue.legal_basis and "3 tháng một lần" in dialogue.legal_basis
        assert "Nghị định 60/2013/NĐ-CP" in dialogue.legal_basis


def test_it_requires_one_periodic_dialogue_a_year_from_the_labour_code_2019():
    for year in range(2021, 2031):
        dialogue = rule(year, "dialogue_periodic")
        assert dialogue.min_per_year == 1
        assert "Bộ luật Lao động 2019" in dialogue.legal_basis and "Nghị định 145/2020/NĐ-CP" in dialogue.legal_basis


def test_it_keeps_the_inspection_board_in_state_owned_enterprises_from_the_law_of_2022():
    for year in range(2023, 2031):
        board = rule(year, "inspection_board")
        assert Category.STATE_ENTERPRISE in board.categories
        assert Category.PRIVATE_ENTERPRISE not in board.categories and Category.FDI_ENTERPRISE not in board.categories
        assert "10/2022/QH15" in board.legal_basis and "doanh nghiệp nhà nước" in board.legal_basis
        assert board.term_years == 2
    for year in range(2015, 2023):
        assert Category.STATE_ENTERPRISE not in rule(year, "inspection_board").categories


def test_it_dates_the_cadre_conference_by_article_51_of_the_law_from_2023_and_by_circular_01_2016_before():
    for year in range(2023, 2031):
        conference = rule(year, "cbccvc_conference")
        assert "Điều 51 khoản 1" in conference.legal_basis and conference.deadline.month == 3
    for year in range(2016, 2023):
        conference = rule(year, "cbccvc_conference")
        assert "Thông tư 01/2016/TT-BNV" in conference.legal_basis and "Điều 3" in conference.legal_basis
        assert "Nghị định 04/2015/NĐ-CP" in conference.legal_basis
        assert (conference.deadline.month, conference.deadline.day) == (12, 31)


def test_it_cites_article_2_for_the_scope_of_employer_rules_under_the_law_of_2022():
    for indicator in ("worker_conference", "dialogue_periodic", "qcdc_regulation"):
        assert "Điều 2 khoản 1 và khoản 4" in rule(2025, indicator).legal_basis


def test_it_counts_party_front_and_mass_organisation_bodies_for_the_conference_and_the_regulation_only():
    political = {Category.PARTY_BODY, Category.FATHERLAND_FRONT, Category.MASS_ORGANISATION}
    for year in SEEDED_YEARS:
        assert political <= set(rule(year, "cbccvc_conference").categories)
        assert political <= set(rule(year, "qcdc_regulation").categories)
        for indicator in ("worker_conference", "dialogue_periodic", "inspection_board"):
            assert not political & set(rule(year, indicator).categories)
        assert "mức tin cậy thấp" in rule(year, "cbccvc_conference").legal_basis


def test_it_says_which_references_were_not_checked_against_the_text():
    unchecked = [spec for spec in default_rules(2018) if "chưa đối chiếu" in spec["legal_basis"]]
    assert {spec["indicator"] for spec in unchecked} >= {"worker_conference", "dialogue_periodic", "inspection_board"}


def test_it_shows_frequency_term_and_legal_basis_on_the_rules_page(client_as, world):
    html = client_as(world.staff_x).get(reverse("conferences:rules"), {"year": 2018}).content.decode()
    assert 'data-frequency="4"' in html and "ít nhất 4 lần/năm" in html
    assert "Nghị định 60/2013/NĐ-CP" in html
    html = client_as(world.staff_x).get(reverse("conferences:rules"), {"year": 2024}).content.decode()
    assert "nhiệm kỳ 2 năm" in html


def test_it_lets_an_administrator_edit_the_frequency_and_the_term(client_as, world):
    board = rule(2026, "inspection_board")
    data = {
        "categories": board.categories,
        "min_per_year": "1",
        "term_years": "5",
        "legal_basis": board.legal_basis,
        "quorum_percent": "",
        "deadline": "",
        "min_employees": "",
    }
    response = client_as(world.admin).post(reverse("conferences:rule_edit", args=[board.pk]), data)
    assert response.status_code == 302
    assert rule(2026, "inspection_board").term_years == 5


def test_it_refuses_a_frequency_of_zero(client_as, world):
    dialogue = rule(2026, "dialogue_periodic")
    data = {"categories": dialogue.categories, "min_per_year": "0", "legal_basis": dialogue.legal_basis}
    response = client_as(world.admin).post(reverse("conferences:rule_edit", args=[dialogue.pk]), data)
    assert response.status_code == 200 and rule(2026, "dialogue_periodic").min_per_year == 1
