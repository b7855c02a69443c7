from django.urls import path

from . import views

app_name = "finance"

urlpatterns = [
    path("requests/", views.request_list, name="request_list"),
    path("requests/new/", views.request_create, name="request_create"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("requests/<int:pk>/revise/", views.request_revise, name="request_revise"),
    path("requests/<int:pk>/decide/", views.RequestDecide.as_view(), name="request_decide"),
    path("requests/<int:pk>/cancel/", views.RequestCancel.as_view(), name="request_cancel"),
    path("requests/<int:pk>/quotes/new/", views.QuoteAdd.as_view(), name="quote_add"),
    path("requests/<int:pk>/purchase/", views.RequestPurchase.as_view(), name="request_purchase"),
    path("requests/<int:pk>/accept/", views.RequestAccept.as_view(), name="request_accept"),
    path("requests/<int:pk>/correct/", views.RequestCorrect.as_view(), name="request_correct"),
    path("approvals/", views.approvals, name="approvals"),
    path("reimbursements/", views.reimbursement_list, name="reimbursement_list"),
    path("reimbursements/new/", views.reimbursement_create, name="reimbursement_create"),
    path("reimbursements/<int:pk>/", views.reimbursement_detail, name="reimbursement_detail"),
    path("reimbursements/<int:pk>/sign/", views.ReimbursementSign.as_view(), name="reimbursement_sign"),
    path("reimbursements/<int:pk>/pay/", views.ReimbursementPay.as_view(), name="reimbursement_pay"),
    path("loans/", views.loan_list, name="loan_list"),
    path("loans/new/", views.LoanCreate.as_view(), name="loan_create"),
    path("loans/<int:pk>/", views.loan_detail, name="loan_detail"),
    path("loans/<int:pk>/decide/", views.LoanDecide.as_view(), name="loan_decide"),
    path("loans/<int:pk>/disburse/", views.LoanDisburse.as_view(), name="loan_disburse"),
    path("loans/<int:pk>/repay/", views.LoanRepay.as_view(), name="loan_repay"),
    path("budget/", views.budget, name="budget"),
    path("budget/new/", views.BudgetLineCreate.as_view(), name="budget_create"),
    path("budget/<int:pk>/edit/", views.BudgetLineUpdate.as_view(), name="budget_update"),
    path("income/", views.income_list, name="income_list"),
    path("statements/", views.statement_list, name="statement_list"),
    path("statements/<int:pk>/", views.statement_detail, name="statement_detail"),
    path("statements/<int:pk>/advance/", views.StatementAdvance.as_view(), name="statement_advance"),
    path("disclosure/", views.disclosure, name="disclosure"),
    path("settings/", views.Settings.as_view(), name="settings"),
]
