"""The one scoping primitive: what each persona may see and manage."""

import pytest

from units.models import OrgNode, Unit

pytestmark = pytest.mark.django_db


def codes(qs):
    return sorted(qs.values_list("code", flat=True))


def test_it_gives_district_staff_their_subtree_only(world):
    assert codes(Unit.objects.visible_to(world.staff_x)) == ["A001", "B001"]
    assert codes(Unit.objects.visible_to(world.staff_y)) == ["C001"]
    assert codes(OrgNode.objects.visible_to(world.staff_x)) == ["X"]


def test_it_gives_province_leaders_the_whole_province_read_only(world):
    assert codes(Unit.objects.visible_to(world.leader_p)) == ["A001", "B001", "C001"]
    assert codes(Unit.objects.managed_by(world.leader_p)) == []


def test_it_gives_a_chair_their_unit_and_nothing_else(world):
    assert codes(Unit.objects.visible_to(world.chair_a)) == ["A001"]
    assert codes(Unit.objects.managed_by(world.chair_a)) == []
    assert codes(OrgNode.objects.visible_to(world.chair_a)) == []


def test_it_gives_admins_everything(world):
    assert Unit.objects.visible_to(world.admin).count() == 3
    assert OrgNode.objects.visible_to(world.admin).count() == 4


def test_it_gives_anonymous_and_role_less_users_nothing(world, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    nobody = django_user_model.objects.create_user("nobody", password="x")
    assert not Unit.objects.visible_to(AnonymousUser()).exists()
    assert not Unit.objects.visible_to(nobody).exists()


def test_it_does_not_confuse_sibling_paths_with_a_common_prefix(world):
    # Node ids 1 and 10 share the text prefix "0000001"; the trailing dot keeps them apart.
    assert all(n.path.endswith(".") for n in OrgNode.objects.all())
    for node in OrgNode.objects.all():
        assert set(OrgNode.objects.subtree_of(node).values_list("pk", flat=True)) >= {node.pk}
    assert not OrgNode.objects.subtree_of(world.district_x).filter(pk=world.district_y.pk).exists()


def test_it_reads_the_scope_with_one_query_and_caches_it(world, django_assert_num_queries):
    user = type(world.staff_x).objects.get(pk=world.staff_x.pk)
    with django_assert_num_queries(1):
        Unit.objects.visible_to(user)
        Unit.objects.managed_by(user)
        OrgNode.objects.visible_to(user)


def test_it_keeps_paths_and_depths_for_new_nodes(world):
    assert world.root.depth == 0
    assert world.district_x.depth == 2
    assert world.district_x.path.startswith(world.province.path)
    assert world.district_x.ancestor_ids == [world.root.pk, world.province.pk]
