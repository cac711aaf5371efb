"""Who may do what where: roles, and the invitations that grant a chair's role."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from units.models.tree import OrgNode, Unit


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
