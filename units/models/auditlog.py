"""The log of privileged actions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from units.models.tree import OrgNode


class AuditLog(models.Model):
    """One privileged action (roles, rules, deadlines, a unit's category): who, when, what, before and after.

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
        CATEGORY_CHANGED = "category_changed", _("Đổi loại hình đơn vị")

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
