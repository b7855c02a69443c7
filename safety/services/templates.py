"""Checklist templates: the school's own list of what each kind of inspection checks."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from logistics.audit import record_change, snapshot
from logistics.choices import ChangeAction

from ..defaults import default_items, default_name
from ..models import ChecklistTemplate, ChecklistTemplateItem

ITEM_FIELDS = ["area", "text", "order", "is_active"]


def get_template(school, kind) -> ChecklistTemplate:
    """The school's checklist for `kind`, created from the Chinese default on first use."""
    tpl = ChecklistTemplate.objects.filter(school=school, kind=kind).first()
    if tpl:
        return tpl
    try:
        with transaction.atomic():
            tpl = ChecklistTemplate.objects.create(school=school, kind=kind, name=default_name(kind))
            ChecklistTemplateItem.objects.bulk_create(
                ChecklistTemplateItem(template=tpl, area=area, text=text, order=(i + 1) * 10)
                for i, (area, text) in enumerate(default_items(kind, school.is_kindergarten))
            )
    except IntegrityError:
        tpl = ChecklistTemplate.objects.get(school=school, kind=kind)
    return tpl


def template_item_save(*, template, by, item=None, area, text, order, is_active=True):
    with transaction.atomic():
        if item is None:
            item = ChecklistTemplateItem.objects.create(
                template=template, area=area, text=text, order=order, is_active=is_active
            )
            record_change(obj=template, by=by, action=ChangeAction.UPDATE, after={"added": f"{area}：{text}"})
        else:
            before = snapshot(item, fields=ITEM_FIELDS)
            item.area, item.text, item.order, item.is_active = area, text, order, is_active
            item.save()
            record_change(
                obj=template,
                by=by,
                action=ChangeAction.UPDATE,
                before=before,
                after=snapshot(item, fields=ITEM_FIELDS),
            )
        ChecklistTemplate.objects.filter(pk=template.pk).update(updated_at=timezone.now())
    return item
