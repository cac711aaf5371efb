"""The organisation tree, the units (workplaces) and who may do what where.

The tree is stored as a materialised path: each node's ``path`` is its ancestors' ids
followed by its own, so "everything under node X" is one indexed prefix query.
"""

from __future__ import annotations

import datetime
import uuid
from typing import TYPE_CHECKING, Any

from django.conf import settings
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
from units.paths import PATH_SEGMENT_WIDTH, ancestry  # noqa: F401 (imported from here by the apps)

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


class Role(models.Model):
    """A user's role on a node (staff, leader), a unit (chair) or everything (admin)."""

    class Kind(models.TextChoices):
        ADMIN = "admin", _("Quản trị hệ thống")
        STAFF = "staff", _("Cán bộ công đoàn cấp trên")
        LEADER = "leader", _("Lãnh đạo")
        CHAIR = "chair", _("Chủ tịch công đoàn cơ sở")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roles")
    kind = models.CharField(_("vai trò"), max_length=16, choices=Kind.choices)
    node = models.ForeignKey(
        OrgNode,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="roles",
        verbose_name=_("cấp công đoàn"),
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="roles", verbose_name=_("cơ sở")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("vai trò")
        verbose_name_plural = _("vai trò")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="chair", unit__isnull=False, node__isnull=True)
                    | Q(kind__in=["staff", "leader"], node__isnull=False, unit__isnull=True)
                    | Q(kind="admin", node__isnull=True, unit__isnull=True)
                ),
                name="role_target_matches_kind",
                violation_error_message=_(
                    "Chủ tịch CĐCS gắn với một cơ sở; cán bộ và lãnh đạo gắn với một đơn vị cấp trên; "
                    "quản trị không gắn với đơn vị nào."
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "node"], condition=Q(node__isnull=False), name="role_unique_on_node"
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "unit"], condition=Q(unit__isnull=False), name="role_unique_on_unit"
            ),
            models.UniqueConstraint(fields=["user"], condition=Q(kind="admin"), name="role_unique_admin"),
        ]

    def __str__(self) -> str:
        target = self.unit or self.node or _("toàn hệ thống")
        return f"{self.user} – {self.get_kind_display()} – {target}"


class NodePathChange(models.Model):
    """A node's place in the tree changed on ``effective_on`` (a move, or a move of a node
    above it). Before that day the node sat at ``old_path``; the current path is on the
    node. Rows are only added, so any past day's tree can be read back."""

    node = models.ForeignKey(OrgNode, on_delete=models.PROTECT, related_name="path_changes")
    old_path = models.CharField(max_length=255)
    new_path = models.CharField(max_length=255)
    effective_on = models.DateField(_("có hiệu lực từ"), db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["effective_on", "pk"]
        verbose_name = _("thay đổi vị trí trong cây")
        verbose_name_plural = _("thay đổi vị trí trong cây")
        indexes = [models.Index(fields=["node", "effective_on"], name="pathchange_node_day")]

    def __str__(self) -> str:
        return f"{self.node_id}: {self.old_path} → {self.new_path} ({self.effective_on:%d/%m/%Y})"


class UnitTransfer(models.Model):
    """A unit moved from one node to another on ``effective_on``; before that day it
    belonged to ``from_node``. Rows are only added."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="transfers")
    from_node = models.ForeignKey(OrgNode, on_delete=models.PROTECT, related_name="+")
    to_node = models.ForeignKey(OrgNode, on_delete=models.PROTECT, related_name="+")
    effective_on = models.DateField(_("có hiệu lực từ"), db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["effective_on", "pk"]
        verbose_name = _("chuyển đơn vị")
        verbose_name_plural = _("chuyển đơn vị")
        indexes = [models.Index(fields=["unit", "effective_on"], name="transfer_unit_day")]
        constraints = [
            models.CheckConstraint(condition=~Q(from_node=models.F("to_node")), name="transfer_changes_node"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.from_node_id} → {self.to_node_id} ({self.effective_on:%d/%m/%Y})"


class ChairInvitation(models.Model):
    """An existing account invited to chair a unit. The role is granted only when that
    account accepts: knowing someone's e-mail address must not hand them a unit."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chair_invitations")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="chair_invitations")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("lời mời làm chủ tịch CĐCS")
        verbose_name_plural = _("lời mời làm chủ tịch CĐCS")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "unit"], condition=Q(accepted_at__isnull=True), name="invitation_one_open_per_unit"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.unit}"

    def get_absolute_url(self) -> str:
        return reverse("units:invitation_accept", kwargs={"pk": self.pk})


class AuditLog(models.Model):
    """One privileged action (roles, rules, deadlines): who, when, what, before and after.

    Written by ``units.audit.audit_record`` in the transaction of the change. ``node`` is
    the subtree the action concerns, which decides who may read the entry; entries
    without one (rules and deadlines of the whole country) are read by administrators.
    """

    class Action(models.TextChoices):
        ROLE_GRANTED = "role_granted", _("Giao vai trò")
        ROLE_REVOKED = "role_revoked", _("Thu hồi vai trò")
        RULE_EDITED = "rule_edited", _("Sửa quy định nghĩa vụ")
        RULES_COPIED = "rules_copied", _("Sao chép quy định sang năm khác")
        DEADLINE_SET = "deadline_set", _("Đặt hạn chốt số liệu")
        DEADLINE_REMOVED = "deadline_removed", _("Bỏ hạn chốt số liệu")
        WORK_LOGGED = "work_logged", _("Ghi hoạt động của công đoàn cấp trên")
        WORK_EDITED = "work_edited", _("Sửa hoạt động của công đoàn cấp trên")
        WORK_FILE_ADDED = "work_file_added", _("Đính kèm tệp vào hoạt động")
        WORK_IMPORTED = "work_imported", _("Nhập sổ hoạt động từ tệp")

    at = models.DateTimeField(_("thời điểm"), auto_now_add=True, db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("người làm")
    )
    action = models.CharField(_("thao tác"), max_length=32, choices=Action.choices)
    target_type = models.CharField(_("loại đối tượng"), max_length=64)
    target_id = models.CharField(_("mã đối tượng"), max_length=64, blank=True)
    target_repr = models.CharField(_("đối tượng"), max_length=255)
    node = models.ForeignKey(
        OrgNode, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("cấp công đoàn")
    )
    before = models.JSONField(_("trước"), null=True, blank=True)
    after = models.JSONField(_("sau"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("nhật ký quản trị")
        verbose_name_plural = _("nhật ký quản trị")
        indexes = [models.Index(fields=["node", "at"], name="auditlog_node_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.target_repr}"


# Registered with the app's models; defined apart to keep this module readable.
from units.invitations import Invitation, InvitationBatch  # noqa: E402, F401

# The periods layer keeps its models beside its queries; importing them here registers
# them with the app (Django loads each app's ``models`` module).
from units.periods import PeriodClose, PeriodDeadline  # noqa: E402, F401
