"""The organisation tree, the units at its leaves, and the scope filter every query starts from."""

from __future__ import annotations

import datetime
import uuid
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from qcdc.validators import validate_dissolution_day, validate_founding_day, validate_single_line
from units import paths

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class Category(models.TextChoices):
    STATE_AGENCY = "state_agency", _("Cơ quan hành chính nhà nước")
    PUBLIC_SERVICE_UNIT = "public_service_unit", _("Đơn vị sự nghiệp công lập")
    STATE_ENTERPRISE = "state_enterprise", _("Doanh nghiệp nhà nước")
    PRIVATE_ENTERPRISE = "private_enterprise", _("Doanh nghiệp ngoài nhà nước")
    FDI_ENTERPRISE = "fdi_enterprise", _("Doanh nghiệp có vốn đầu tư nước ngoài")
    NON_PUBLIC_UNIT = "non_public_unit", _("Đơn vị sự nghiệp ngoài công lập")
    COOPERATIVE = "cooperative", _("Hợp tác xã")
    PARTY_BODY = "party_body", _("Cơ quan của Đảng")
    FATHERLAND_FRONT = "fatherland_front", _("Cơ quan Mặt trận Tổ quốc")
    MASS_ORGANISATION = "mass_organisation", _("Cơ quan tổ chức chính trị - xã hội")
    OTHER = "other", _("Khác")


class OrgLevel(models.Model):
    """The name of a level of the tree, by depth (0 = the root).

    Levels are data because the federations are being regrouped: a depth's name
    (district federation, regional union …) changes without a deploy.
    """

    depth = models.PositiveSmallIntegerField(_("độ sâu"), unique=True)
    name = models.CharField(_("tên cấp"), max_length=120, validators=[validate_single_line])

    class Meta:
        ordering = ["depth"]
        verbose_name = _("cấp tổ chức")
        verbose_name_plural = _("cấp tổ chức")

    def __str__(self) -> str:
        return f"{self.depth}: {self.name}"


class OrgNodeQuerySet(models.QuerySet["OrgNode"]):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> OrgNodeQuerySet:
        """Nodes in the subtrees where the user is staff or leader (all for admins)."""
        from units.permissions import scope_for

        scope = scope_for(user)
        if scope.is_admin:
            return self.all()
        return self.filter(_path_prefix_q("path", scope.node_paths))

    def managed_by(self, user: AbstractBaseUser | AnonymousUser) -> OrgNodeQuerySet:
        """Nodes in the subtrees where the user may change data (staff, admins)."""
        from units.permissions import scope_for

        scope = scope_for(user)
        if scope.is_admin:
            return self.all()
        return self.filter(_path_prefix_q("path", scope.staff_paths))

    def subtree_of(self, node: OrgNode) -> OrgNodeQuerySet:
        return self.filter(path__startswith=node.path)


class OrgNode(models.Model):
    """A federation node: confederation, province federation, district-level union …"""

    code = models.CharField(_("mã"), max_length=32, unique=True, validators=[validate_single_line])
    name = models.CharField(_("tên"), max_length=255, validators=[validate_single_line])
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("cấp trên")
    )
    path = models.CharField(max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    started_on = models.DateField(_("hoạt động từ"), null=True, blank=True)
    ended_on = models.DateField(_("ngừng hoạt động từ"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="absorbed",
        verbose_name=_("đã hợp nhất vào"),
    )

    objects = OrgNodeQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        verbose_name = _("đơn vị công đoàn cấp trên")
        verbose_name_plural = _("cây tổ chức công đoàn")
        indexes = [
            # Prefix searches (path LIKE 'x%') need the pattern opclass on PostgreSQL.
            models.Index(fields=["path"], name="orgnode_path_prefix", opclasses=["varchar_pattern_ops"]),
        ]
        constraints = [
            # A merge ends the node on its effective date (units.regrouping.node_merge).
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True) | Q(ended_on__isnull=False), name="orgnode_merged_has_ended"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding and not self.path:
            # The path holds the node's own id, which exists only after the insert.
            self.path = f"new-{uuid.uuid4().hex}"
            super().save(*args, **kwargs)
            self.path = self.path_for(parent_path=self.parent.path if self.parent else "", pk=self.pk)
            self.depth = self.parent.depth + 1 if self.parent else 0
            OrgNode.objects.filter(pk=self.pk).update(path=self.path, depth=self.depth)
            return
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("units:unit_list") + f"?node={self.pk}"

    def clean(self) -> None:
        # Every path that validates a new node (the admin, units.services.node_create)
        # refuses a parent that has ended by the day the node starts; import_org checks the
        # same rule for all rows at once, and moves are checked by units.regrouping.
        starts = self.started_on or timezone.localdate()
        if self._state.adding and self.parent_id is not None and self.parent.has_ended(starts):
            raise ValidationError({"parent": self.parent.ended_message()})

    @staticmethod
    def path_for(*, parent_path: str, pk: int) -> str:
        return paths.path_for(parent_path=parent_path, pk=pk)

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to the parent, read off the path (no query)."""
        return paths.ids_on(self.path)[:-1]

    def ancestors(self) -> OrgNodeQuerySet:
        return OrgNode.objects.filter(pk__in=self.ancestor_ids).order_by("depth")

    def is_within(self, other: OrgNode) -> bool:
        return self.path.startswith(other.path)

    def has_ended(self, on: datetime.date) -> bool:
        """Whether the node had ended (merged away) by ``on``: nothing may be placed under it then."""
        return self.ended_on is not None and self.ended_on <= on

    def ended_message(self) -> str:
        return gettext("%(node)s đã ngừng hoạt động từ %(day)s; hãy chọn công đoàn cấp trên đang hoạt động.") % {
            "node": self.name,
            "day": f"{self.ended_on:%d/%m/%Y}",
        }


def _path_prefix_q(field: str, paths: tuple[str, ...]) -> Q:
    """OR of ``field LIKE 'path%'`` for each path; matches nothing when there is none."""
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{field}__startswith": path})
    return q


def unit_scope_q(user: AbstractBaseUser | AnonymousUser, *, prefix: str = "", manage: bool = False) -> Q:
    """The scoping primitive for units, as a filter on ``<prefix>`` (e.g. "unit__" from a
    record): the user's subtrees (and, for reading, chairs' own units); everything for
    admins. Joins rather than IN-subqueries, so a related table filters cheaply."""
    from units.permissions import scope_for

    scope = scope_for(user)
    if scope.is_admin:
        return Q()
    if manage:
        return _path_prefix_q(f"{prefix}node__path", scope.staff_paths)
    chairs = Q(**{f"{prefix}pk__in": scope.chair_unit_ids})
    return _path_prefix_q(f"{prefix}node__path", scope.node_paths) | chairs


class UnitQuerySet(models.QuerySet["Unit"]):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> UnitQuerySet:
        """The scoping primitive for units: every view, report and export starts here."""
        return self.filter(unit_scope_q(user))

    def managed_by(self, user: AbstractBaseUser | AnonymousUser) -> UnitQuerySet:
        """Units the user may create, edit, import or deactivate (staff and admins)."""
        return self.filter(unit_scope_q(user, manage=True))

    def under(self, node: OrgNode) -> UnitQuerySet:
        return self.filter(node__path__startswith=node.path)

    def active_in_year(self, year: int) -> UnitQuerySet:
        """Units that existed for at least one day of ``year``."""
        return self.filter(
            Q(established_on__isnull=True) | Q(established_on__lte=datetime.date(year, 12, 31)),
            Q(dissolved_on__isnull=True) | Q(dissolved_on__gte=datetime.date(year, 1, 1)),
        )

    def active_on(self, day: datetime.date) -> UnitQuerySet:
        return self.filter(
            Q(established_on__isnull=True) | Q(established_on__lte=day),
            Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=day),
        )


class Unit(models.Model):
    """A workplace (agency, public unit, enterprise …) and its grassroots union."""

    code = models.CharField(_("mã đơn vị"), max_length=32, unique=True, validators=[validate_single_line])
    name = models.CharField(_("tên đơn vị"), max_length=255, validators=[validate_single_line])
    category = models.CharField(_("loại hình"), max_length=32, choices=Category.choices)
    node = models.ForeignKey(
        OrgNode, on_delete=models.PROTECT, related_name="units", verbose_name=_("công đoàn cấp trên trực tiếp")
    )
    tax_code = models.CharField(
        _("mã số thuế / mã ngân sách"), max_length=32, blank=True, validators=[validate_single_line]
    )
    address = models.CharField(_("địa chỉ"), max_length=255, blank=True, validators=[validate_single_line])
    employees = models.PositiveIntegerField(_("số lao động"), default=0)
    union_members = models.PositiveIntegerField(_("số đoàn viên"), default=0)
    established_on = models.DateField(_("ngày thành lập"), null=True, blank=True, validators=[validate_founding_day])
    dissolved_on = models.DateField(
        _("ngày giải thể / ngừng hoạt động"), null=True, blank=True, validators=[validate_dissolution_day]
    )
    work_year_start_month = models.PositiveSmallIntegerField(
        _("tháng bắt đầu năm công tác"),
        choices=[(m, format_lazy(_("Tháng {month}"), month=m)) for m in range(1, 13)],
        default=1,
        help_text=_("Tháng 1 là năm dương lịch; trường học theo năm học thường chọn tháng 9."),
    )
    union_name = models.CharField(
        _("tên công đoàn cơ sở"), max_length=255, blank=True, validators=[validate_single_line]
    )
    chair_name = models.CharField(_("chủ tịch CĐCS"), max_length=120, blank=True, validators=[validate_single_line])
    chair_email = models.EmailField(_("email chủ tịch"), blank=True)
    chair_phone = models.CharField(
        _("điện thoại chủ tịch"), max_length=32, blank=True, validators=[validate_single_line]
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UnitQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["version", "updated_at"])

    class Meta:
        ordering = ["code"]
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")
        indexes = [
            models.Index(fields=["node", "category"], name="unit_node_category"),
            # Counting the units active in a year under a node (the grid, the units list)
            # reads only this index, not the whole table.
            models.Index(fields=["node", "established_on", "dissolved_on"], name="unit_node_active"),
            models.Index(fields=["name"], name="unit_name"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(dissolved_on__isnull=True)
                | Q(established_on__isnull=True)
                | Q(dissolved_on__gte=models.F("established_on")),
                name="unit_dissolved_after_established",
                violation_error_message=_("Ngày ngừng hoạt động phải sau ngày thành lập."),
            ),
            models.CheckConstraint(
                condition=Q(union_members__lte=models.F("employees")),
                name="unit_members_at_most_employees",
                violation_error_code="members_over_employees",
                violation_error_message=_("Số đoàn viên không thể lớn hơn số lao động."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("units:unit_detail", kwargs={"pk": self.pk})

    def clean(self) -> None:
        # Every path that validates a unit (its form, the services, the admin) refuses a
        # node that has ended; imports check the same rule for all rows at once.
        if self.node_id is not None and self.node.has_ended(timezone.localdate()):
            raise ValidationError({"node": self.node.ended_message()})

    @property
    def is_active(self) -> bool:
        return self.dissolved_on is None or self.dissolved_on > datetime.date.today()

    def is_active_in_year(self, year: int) -> bool:
        started = self.established_on is None or self.established_on <= datetime.date(year, 12, 31)
        not_ended = self.dissolved_on is None or self.dissolved_on >= datetime.date(year, 1, 1)
        return started and not_ended
