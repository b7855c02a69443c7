from django import template
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils.html import format_html

from logistics.choices import badge_choices_of
from logistics.models import display_name
from logistics.reports.base import format_date, format_money

register = template.Library()


@register.simple_tag
def history_url(obj):
    ct = ContentType.objects.get_for_model(obj.__class__)
    return reverse("object_history", args=[ct.pk, obj.pk])


@register.simple_tag
def badge(obj, field="status", testid=""):
    """The field's value as a badge in its choice's colour (logistics.choices.BadgeChoices)."""
    value = getattr(obj, field)
    choices = badge_choices_of(type(obj), field)
    color = choices(value).color if choices is not None and value in choices.values else "secondary"
    label = getattr(obj, f"get_{field}_display")()
    if testid:
        return format_html(
            '<span class="badge text-bg-{} text-wrap" data-testid="{}">{}</span>', color, testid, label
        )
    return format_html('<span class="badge text-bg-{} text-wrap">{}</span>', color, label)


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


@register.simple_tag(takes_context=True)
def sidebar_nav(context):
    """The role's menu sections (built once per role and language), the current page marked."""
    from logistics.navigation import nav_html

    return nav_html(context["request"])


@register.simple_tag(takes_context=True)
def school_switch_items(context):
    """The switcher's schools (the bureau's lists the whole district): one button each, all
    submitting the one #school-switch form."""
    from django.utils.html import format_html_join

    current = getattr(context.get("current_school"), "pk", None)
    return format_html_join(
        "",
        '<li><button class="dropdown-item{}" type="submit" form="school-switch" name="school" '
        'value="{}">{}</button></li>',
        ((" active" if s.pk == current else "", s.pk, s.name) for s, _role in context["school_choices"]),
    )
