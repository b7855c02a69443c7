from django import template

register = template.Library()

COLORS = {
    "pending_director": "warning text-dark",
    "pending_principal": "warning text-dark",
    "pending_witness": "warning text-dark",
    "pending": "warning text-dark",
    "approved": "info text-dark",
    "purchased": "primary",
    "accepted": "success",
    "reimbursed": "secondary",
    "paid": "success",
    "disbursed": "primary",
    "settled": "secondary",
    "rejected": "danger",
    "cancelled": "light text-dark border",
    "draft": "light text-dark border",
    "submitted": "warning text-dark",
    "reviewed": "info text-dark",
    "published": "success",
}


@register.filter
def status_color(status):
    return COLORS.get(str(status), "secondary")


@register.inclusion_tag("finance/_status.html")
def status_badge(obj):
    return {"status": obj.status, "label": obj.get_status_display()}
