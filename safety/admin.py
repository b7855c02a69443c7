from django.contrib import admin

from . import models


@admin.register(models.SafetySettings)
class SafetySettingsAdmin(admin.ModelAdmin):
    list_display = ["school", "inspector", "weekly_time", "drill_fire", "drill_earthquake"]


class TemplateItemInline(admin.TabularInline):
    model = models.ChecklistTemplateItem
    extra = 0


@admin.register(models.ChecklistTemplate)
class ChecklistTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "school", "kind", "updated_at"]
    list_filter = ["kind"]
    inlines = [TemplateItemInline]


@admin.register(models.Inspection)
class InspectionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "school", "status", "due_on", "assigned_to"]
    list_filter = ["kind", "status"]

    def has_change_permission(self, request, obj=None):
        return False  # compliance record: corrected through the app, never edited here


@admin.register(models.Hazard)
class HazardAdmin(admin.ModelAdmin):
    list_display = ["title", "school", "risk_level", "status", "deadline"]
    list_filter = ["status", "risk_level"]

    def has_change_permission(self, request, obj=None):
        return False


for model in (
    models.Drill,
    models.Visitor,
    models.PickupException,
    models.FireEquipment,
    models.FireSelfCheck,
    models.FirePreventionCheck,
    models.HazardousMaterial,
    models.HazmatMovement,
    models.DutyShift,
    models.EducationEvent,
):
    admin.site.register(model)
