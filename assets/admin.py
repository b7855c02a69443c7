from django.contrib import admin

from .models import Asset, AssetCategory, RepairRequest, StoreItem


@admin.register(AssetCategory)
class AssetCategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "useful_life_years", "school")


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "school", "status", "unit_price")
    list_filter = ("status",)
    search_fields = ("code", "name")
    raw_id_fields = ("room", "custodian", "category")
    readonly_fields = ("status",)  # moved only through the workflow (assets/workflows.py)


@admin.register(StoreItem)
class StoreItemAdmin(admin.ModelAdmin):
    list_display = ("name", "school", "on_hand", "min_level")


@admin.register(RepairRequest)
class RepairRequestAdmin(admin.ModelAdmin):
    list_display = ("pk", "school", "room", "status", "urgency", "due_by")
    raw_id_fields = ("room", "asset", "requested_by", "assignee")
    readonly_fields = ("status",)  # moved only through the workflow (assets/workflows.py)
