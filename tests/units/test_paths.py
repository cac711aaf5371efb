"""Path arithmetic (units.paths) agrees with the paths the tree stores."""

import pytest

from tests.factories import OrgNodeFactory
from units import paths

pytestmark = pytest.mark.django_db


def test_it_reads_ids_parent_and_child_length_off_a_stored_path():
    root = OrgNodeFactory()
    child = OrgNodeFactory(parent=root)
    grandchild = OrgNodeFactory(parent=child)
    assert paths.ids_on(grandchild.path) == [root.pk, child.pk, grandchild.pk]
    assert paths.parent_path(grandchild.path) == child.path and paths.parent_path(root.path) == ""
    assert paths.child_path_length(child.path) == len(grandchild.path)
    assert paths.ancestry(grandchild.path, root.path) == {root.pk, child.pk, grandchild.pk}
    assert paths.depth_change(grandchild.path, root.path) == -2 == grandchild.depth * -1
    assert paths.path_for(parent_path=child.path, pk=grandchild.pk) == grandchild.path
