from django.contrib import admin

from . import models


@admin.register(models.Child)
class ChildAdmin(admin.ModelAdmin):
    list_display = ["name", "room", "gender", "birth_date", "school", "is_active"]
    list_filter = ["school", "is_active"]
    search_fields = ["name"]


@admin.register(models.Meter)
class MeterAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "campus", "unit_price", "school", "is_active"]
    list_filter = ["school", "kind"]


@admin.register(models.GreeningPlan)
class GreeningPlanAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "frequency", "months", "school", "is_active"]
    list_filter = ["school", "kind"]


for model in (
    models.HygieneSettings,
    models.HealthCheck,
    models.SickAbsence,
    models.InfectiousCase,
    models.ResponsibilityArea,
    models.HygieneCriterion,
    models.HygieneInspection,
    models.HygieneProblem,
    models.Disinfectant,
    models.DisinfectionRecord,
    models.MeterReading,
    models.GreeningTask,
):
    admin.site.register(model)
