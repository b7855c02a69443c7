from django import template
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from logistics.models import display_name
from logistics.reports.base import format_date, format_money

register = template.Library()


@register.simple_tag
def history_url(obj):
    ct = ContentType.objects.get_for_model(obj.__class__)
    return reverse("object_history", args=[ct.pk, obj.pk])


@register.filter
def person(user):
    return display_name(user)


@register.filter
def cn_date(value):
    return format_date(value)


@register.filter
def money(value):
    return format_money(value)


@register.filter
def mask_id(value):
    """110101199003071234 -> 1101**********1234"""
    value = value or ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


@register.simple_tag(takes_context=True)
def can_do(context, action):
    from logistics.permissions import can

    return can(context["request"], action)
