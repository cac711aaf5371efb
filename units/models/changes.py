"""Moves in the tree, kept so that any past day's tree can be read back."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from units.models.tree import Category, OrgNode, Unit


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


class UnitCategoryChange(models.Model):
    """A unit's category changed on ``effective_on``; before that day it was ``old_category``
    (the category decides what the unit owes). The current category is on the unit; rows
    are only added, through ``units.categories.change_category`` (or a units import)."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="category_changes")
    old_category = models.CharField(_("loại hình cũ"), max_length=32, choices=Category.choices)
    new_category = models.CharField(_("loại hình mới"), max_length=32, choices=Category.choices)
    effective_on = models.DateField(_("có hiệu lực từ"), db_index=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["effective_on", "pk"]
        verbose_name = _("thay đổi loại hình")
        verbose_name_plural = _("thay đổi loại hình")
        indexes = [models.Index(fields=["unit", "effective_on"], name="categorychange_unit_day")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(old_category=models.F("new_category")), name="categorychange_changes_category"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.old_category} → {self.new_category} ({self.effective_on:%d/%m/%Y})"
