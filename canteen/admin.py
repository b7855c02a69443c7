"""Admin: read-mostly. Compliance records are never deleted here before their retention ends."""

from django.contrib import admin
from django.utils import timezone

from . import models


@admin.register(models.CanteenSettings)
class CanteenSettingsAdmin(admin.ModelAdmin):
    list_display = ["school", "sample_min_grams", "sample_retention_hours", "sample_photo_required"]


@admin.register(models.Fridge, models.Supplier, models.PantryItem, models.Food)
class PlainAdmin(admin.ModelAdmin):
    search_fields = ["name"]


class ComplianceAdmin(admin.ModelAdmin):
    """Samples and logs are corrected through the app (with a reason), never edited or deleted here."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.FoodSample)
class FoodSampleAdmin(ComplianceAdmin):
    list_display = ["day", "meal", "dish_name", "school", "quantity_g", "status"]
    list_filter = ["meal", "status"]


@admin.register(models.Delivery)
class DeliveryAdmin(ComplianceAdmin):
    list_display = ["delivered_on", "supplier", "school", "accepted_amount", "retain_until"]

    def has_delete_permission(self, request, obj=None):
        # The legal retention (6 months after shelf life, 2 years without one) blocks deletion.
        return obj is not None and obj.retain_until <= timezone.localdate()

    def delete_model(self, request, obj):
        from .services import delivery_delete

        delivery_delete(obj=obj, by=request.user)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


for model in (
    models.MorningCheck,
    models.DisinfectionLog,
    models.WasteLog,
    models.DiningRecord,
    models.FeeEntry,
    models.PantryMovement,
):
    admin.site.register(model, ComplianceAdmin)
