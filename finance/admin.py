"""Read-only admin views: finance records change only through finance.services."""

from django.contrib import admin

from .models import (
    BudgetLine,
    FinanceSettings,
    FlowLog,
    IncomeEntry,
    Loan,
    MonthlyStatement,
    PurchaseRequest,
    Reimbursement,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PurchaseRequest)
class PurchaseRequestAdmin(ReadOnlyAdmin):
    list_display = ["number", "school", "title", "requester", "estimated_total", "status", "submitted_at"]
    list_filter = ["status", "school"]
    search_fields = ["number", "title"]


@admin.register(Reimbursement)
class ReimbursementAdmin(ReadOnlyAdmin):
    list_display = ["number", "school", "purpose", "claimant", "amount", "status"]
    list_filter = ["status", "school"]


@admin.register(Loan)
class LoanAdmin(ReadOnlyAdmin):
    list_display = ["number", "school", "purpose", "borrower", "amount", "status"]
    list_filter = ["status", "school"]


@admin.register(FlowLog)
class FlowLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "school", "action", "from_status", "to_status", "by"]
    list_filter = ["action", "school"]


@admin.register(BudgetLine)
class BudgetLineAdmin(ReadOnlyAdmin):
    list_display = ["school", "year", "semester", "category", "name", "amount"]
    list_filter = ["year", "school"]


admin.site.register(FinanceSettings, ReadOnlyAdmin)
admin.site.register(IncomeEntry, ReadOnlyAdmin)
admin.site.register(MonthlyStatement, ReadOnlyAdmin)
