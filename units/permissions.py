"""Who may see and do what: one scope per user, read once per request.

Every queryset a view touches starts from ``Model.objects.visible_to(user)`` (or
``managed_by`` for writes), which reads the scope built here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from django.http import HttpRequest, HttpResponse

    from units.models import OrgNode, Unit

_CACHE_ATTR = "_qcdc_scope"


@dataclass(frozen=True)
class Scope:
    is_admin: bool = False
    staff_paths: tuple[str, ...] = ()
    leader_paths: tuple[str, ...] = ()
    chair_unit_ids: tuple[int, ...] = ()
    staff_node_ids: tuple[int, ...] = field(default=())
    leader_node_ids: tuple[int, ...] = field(default=())

    @property
    def node_paths(self) -> tuple[str, ...]:
        return self.staff_paths + self.leader_paths

    @property
    def is_staff(self) -> bool:
        return self.is_admin or bool(self.staff_paths)

    @property
    def is_leader(self) -> bool:
        return bool(self.leader_paths)

    @property
    def is_chair(self) -> bool:
        return bool(self.chair_unit_ids)

    @property
    def sees_tree(self) -> bool:
        """Staff, leaders and admins read lists of units and reports."""
        return self.is_admin or bool(self.node_paths)

    @property
    def root_node_ids(self) -> tuple[int, ...]:
        return self.staff_node_ids + self.leader_node_ids


def scope_for(user: AbstractBaseUser | AnonymousUser) -> Scope:
    """The user's scope, computed with one query and cached on the user object."""
    if not user.is_authenticated or not user.is_active:
        return Scope()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    from units.models import Role

    staff_paths: list[str] = []
    leader_paths: list[str] = []
    staff_ids: list[int] = []
    leader_ids: list[int] = []
    chair_units: list[int] = []
    is_admin = bool(getattr(user, "is_superuser", False))
    for kind, node_id, path, unit_id in Role.objects.filter(user=user).values_list(
        "kind", "node_id", "node__path", "unit_id"
    ):
        if kind == Role.Kind.ADMIN:
            is_admin = True
        elif kind == Role.Kind.STAFF:
            staff_paths.append(path)
            staff_ids.append(node_id)
        elif kind == Role.Kind.LEADER:
            leader_paths.append(path)
            leader_ids.append(node_id)
        elif kind == Role.Kind.CHAIR:
            chair_units.append(unit_id)
    scope = Scope(
        is_admin=is_admin,
        staff_paths=tuple(staff_paths),
        leader_paths=tuple(leader_paths),
        chair_unit_ids=tuple(chair_units),
        staff_node_ids=tuple(staff_ids),
        leader_node_ids=tuple(leader_ids),
    )
    setattr(user, _CACHE_ATTR, scope)
    return scope


def forget_scope(user: AbstractBaseUser | AnonymousUser) -> None:
    """Drop the cached scope after the user's roles change."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def can_manage_units(user: AbstractBaseUser | AnonymousUser) -> bool:
    return scope_for(user).is_staff


def can_manage_node(user: AbstractBaseUser | AnonymousUser, node: OrgNode) -> bool:
    scope = scope_for(user)
    return scope.is_admin or any(node.path.startswith(p) for p in scope.staff_paths)


def can_edit_unit(user: AbstractBaseUser | AnonymousUser, unit: Unit) -> bool:
    return can_manage_node(user, unit.node)


def can_read_tree(user: AbstractBaseUser | AnonymousUser) -> bool:
    return scope_for(user).sees_tree


def can_import_org(user: AbstractBaseUser | AnonymousUser) -> bool:
    return scope_for(user).is_admin


def require(check: Callable[[AbstractBaseUser | AnonymousUser], bool]) -> Callable[..., Callable[..., HttpResponse]]:
    """View decorator: 403 unless ``check(request.user)`` holds.

    Used for role checks (a chair opening the units list). Records outside the
    user's subtree are not a role question: views fetch them through ``visible_to``
    and answer 404.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        from functools import wraps

        @wraps(view)
        def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
