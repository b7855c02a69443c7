"""Generated hostile input for every form page: never a 500, nothing written.

For each GET-able form page of the URL table (create and edit pages), the form is read from the
page's context and Hypothesis draws a POST: every field gets hostile text or numbers (control
characters, emoji, rare CJK, overlong text, negative/huge numbers, more than two decimals, impossible
dates, unknown choices, ids of the other school's objects), some fields go missing, and one field
always gets a value that is certainly invalid (the "poison"). The answer must be a form error (200)
or a 4xx/redirect, never a 500, and no row may be written anywhere.
"""

from __future__ import annotations

from django import forms
from django.apps import apps
from django.urls import reverse
from hypothesis import strategies as st

from logistics.choices import Role
from tests.security.matrix import kwargs_for, roles_for

ROLE_ORDER = [Role.DIRECTOR, Role.PRINCIPAL, Role.STAFF, Role.CANTEEN, Role.HEALTH, Role.ACCOUNTANT]

CONTROL = "".join(chr(c) for c in (0, 1, 7, 8, 11, 12, 27, 127)) + "\u202e\u200b\ufeff"
RARE = "𠀀𪚥𰻞𡃁龘靐齉\U0001f600\U0001f4a9\U0001f9d1\u200d\U0001f373"
hostile_text = st.text(
    alphabet=st.sampled_from(list(CONTROL + RARE + "<>'\"&;=+-@ a中")), min_size=0, max_size=60
)
hostile_number = st.sampled_from(
    ["-1", "-0.01", "0", "1.234", "0.001", "99999999999999999999", "-99999999999", "1e400", "NaN", "abc", " "]
)
hostile_date = st.sampled_from(
    ["2026-02-30", "2026-13-01", "0000-00-00", "9999-12-31", "1900-01-01", "明天", ""]
)


def forms_in(response):
    found = {}
    contexts = response.context if isinstance(response.context, list) else [response.context]
    for ctx in contexts:
        if ctx is None:
            continue
        for value in ctx.flatten().values():
            if isinstance(value, forms.BaseForm):
                found[id(value)] = value
    return list(found.values())


def other_school_id(field, world):
    qs = getattr(field, "queryset", None)
    if qs is None:
        return None
    model = qs.model
    if not any(f.name == "school" for f in model._meta.get_fields()):
        return None
    obj = model._default_manager.filter(school=world.other).order_by("pk").first()
    return obj.pk if obj is not None else None


def poison_for(field, world):
    """A value this field must refuse, or None when no value is certainly invalid."""
    if isinstance(field, forms.ModelChoiceField | forms.ModelMultipleChoiceField):
        other = other_school_id(field, world)
        return str(other) if other is not None else "987654321"
    if isinstance(field, forms.ChoiceField | forms.MultipleChoiceField):
        return "不存在的选项<script>"
    if isinstance(field, forms.DateTimeField | forms.DateField):
        return "2026-02-30"
    if isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
        return "12.3.4x"
    if isinstance(field, forms.CharField) and field.max_length:
        return ("长" + RARE) * (field.max_length // 9 + 2)
    if field.required and isinstance(field, forms.FileField):
        return ""  # missing required file
    return None


def value_strategy(field, world):
    if isinstance(field, forms.FileField):
        return st.just(None)
    if isinstance(field, forms.BooleanField):
        return st.sampled_from(["on", "", "maybe"])
    if isinstance(field, forms.ModelChoiceField | forms.ModelMultipleChoiceField):
        other = other_school_id(field, world)
        values = ["987654321", "-1", "abc", ""] + ([str(other)] if other else [])
        return st.sampled_from(values)
    if isinstance(field, forms.ChoiceField | forms.MultipleChoiceField):
        return st.sampled_from(["not-a-choice", "", "<script>"])
    if isinstance(field, forms.DateTimeField | forms.DateField):
        return hostile_date
    if isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
        return hostile_number
    return hostile_text


@st.composite
def hostile_post(draw, form, world):
    data = {}
    fields = list(form.fields.items())
    for name, field in fields:
        if draw(st.integers(0, 9)) == 0:
            continue  # a missing field
        value = draw(value_strategy(field, world))
        if value is not None:
            data[form.add_prefix(name)] = value
    poisonable = [(n, f) for n, f in fields if poison_for(f, world) is not None]
    if poisonable:
        name, field = draw(st.sampled_from(poisonable))
        data[form.add_prefix(name)] = poison_for(field, world)
    return data


def row_count():
    total = 0
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed or model._meta.label == "sessions.Session":
            continue
        total += model._default_manager.count()
    return total


def form_pages(world, table, prefix):
    """(name, url, role) of every form page of the app whose GET shows a form to some role."""
    pages = []
    for name, entry in table.items():
        if not prefix(name) or entry.post_only or entry.skip or entry.owner_only:
            continue
        if entry.perm in ("public", "login"):
            continue
        if any(marker in name for marker in ("list", "detail", "home", "today", "export", "pdf", "index")):
            continue
        allowed = roles_for(entry)
        if entry.visible_roles is not None:
            allowed &= set(entry.visible_roles)
        role = next((r for r in ROLE_ORDER if r in allowed), None)
        if role is None:
            continue
        try:
            url = reverse(name, kwargs=kwargs_for(world, name, entry, world.own))
        except LookupError:
            continue
        pages.append((name, url, role))
    return pages
