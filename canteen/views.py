"""Canteen pages. Views stay thin: parse the form, call a service, redirect (DESIGN.md rule 3)."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from logistics.actions import ActionView, SettingsView, errors_to_form, month_param, page
from logistics.generic import ScopedCreateView, ScopedListView, ScopedUpdateView
from logistics.models import School
from logistics.org_views import report_response
from logistics.permissions import can, school_view, scoped_or_404

from . import reports as canteen_reports
from . import selectors, services, workflows
from .choices import Account, InspectionResult, Meal, MenuStatus, SampleStatus, age_groups_for
from .forms import (
    CanteenSettingsForm,
    CommentForm,
    DeliveryCorrectionForm,
    DeliveryForm,
    DeliveryLineCorrectionForm,
    DeliveryLineFormSet,
    DiningForm,
    DishForm,
    DisinfectionForm,
    FeeCorrectionForm,
    FeeEntryForm,
    FoodForm,
    FridgeForm,
    IngredientForm,
    IssueForm,
    MorningCheckForm,
    SampleCorrectionForm,
    SampleForm,
    SupplierForm,
    SurveyForm,
    WasteForm,
)
from .models import (
    CanteenSettings,
    Delivery,
    DeliveryLine,
    DiningRecord,
    DisinfectionLog,
    FeeEntry,
    Food,
    FoodSample,
    Fridge,
    Menu,
    MenuDish,
    MorningCheck,
    PantryBatch,
    PantryCount,
    SatisfactionSurvey,
    Supplier,
    WasteLog,
)


# --- food samples -----------------------------------------------------------------------------
@school_view("canteen.record")
def sample_today(request):
    """The tablet page: today's meals from the menu, each dish one tap away from its sample form."""
    day = timezone.localdate()
    board = selectors.today_board(request.school, day)
    current = request.GET.get("meal") or selectors.current_meal(request.school)
    if board and current not in [m["meal"] for m in board]:
        current = board[0]["meal"]
    return render(
        request,
        "canteen/sample_today.html",
        {
            "day": day,
            "board": board,
            "current": current,
            "meals": Meal.choices,
            "has_fridge": Fridge.objects.for_request(request).filter(is_active=True).exists(),
        },
    )


@school_view("canteen.record")
def sample_create(request):
    school = request.school
    cfg = CanteenSettings.for_school(school)
    day = timezone.localdate()
    dish = None
    dish_id = request.POST.get("dish") or request.GET.get("dish")
    if dish_id and str(dish_id).isdigit() and len(str(dish_id)) <= 12:
        dish = MenuDish.objects.for_request(request).filter(pk=int(dish_id), day=day).first()
    last_fridge = None
    if request.method == "GET":
        # the fridge this person used last, else the school's first one: one tap fewer
        last_fridge = (
            FoodSample.objects.for_request(request)
            .filter(taken_by=request.user, fridge__is_active=True)
            .order_by("-taken_at")
            .values_list("fridge_id", flat=True)
            .first()
        ) or Fridge.objects.for_request(request).filter(is_active=True).values_list("pk", flat=True).first()
    initial = {
        "meal": dish.meal if dish else (request.GET.get("meal") or selectors.current_meal(school)),
        "dish": dish.pk if dish else None,
        "dish_name": dish.name if dish else "",
        "quantity_g": cfg.sample_min_grams,
        "fridge": last_fridge,
    }
    # bound on every POST, even an empty one: the checks below add errors to a bound form
    form = SampleForm(
        request.POST if request.method == "POST" else None,
        request.FILES or None,
        school=school,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sample = services.sample_record(
                school=school,
                by=request.user,
                meal=data["meal"],
                dish=dish,
                dish_name=data["dish_name"],
                quantity_g=data["quantity_g"],
                fridge=data["fridge"],
                fridge_temp=data["fridge_temp"],
                photo=data.get("photo"),
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("已留样：%(s)s") % {"s": sample.dish_name})
            return redirect(f"{reverse('canteen:sample_today')}?meal={sample.meal}")
    elif request.method == "POST":
        # show every rule broken at once, not only the fields the form itself rejected
        try:
            services.check_sample_values(
                cfg,
                quantity_g=request.POST.get("quantity_g", ""),
                fridge_temp=request.POST.get("fridge_temp", ""),
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                if field not in form.errors:
                    form.add_error(field, errors)
        if cfg.sample_photo_required and not request.FILES.get("photo") and "photo" not in form.errors:
            form.add_error("photo", _("本校要求留样拍照：请拍摄留样照片。"))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "canteen/sample_form.html",
        {"form": form, "dish": dish, "cfg": cfg, "day": day},
        status=status,
    )


@school_view("canteen.view")
def sample_list(request):
    period = month_param(request)
    qs = (
        FoodSample.objects.for_request(request)
        .filter(day__gte=period.start, day__lte=period.end)
        .select_related("taken_by", "discarded_by", "fridge")
        .order_by("-day", "meal", "id")
    )
    meal = request.GET.get("meal", "")
    status = request.GET.get("status", "")
    if meal in Meal.values:
        qs = qs.filter(meal=meal)
    if status in SampleStatus.values:
        qs = qs.filter(status=status)
    gaps = selectors.missing_meals(request.school, period.start, min(period.end, timezone.localdate()))
    ctx = {
        "period": period,
        "meal": meal,
        "status": status,
        "meals": Meal.choices,
        "statuses": SampleStatus.choices,
        "gaps": [(d, Meal(m).label) for d, m in gaps],
        **page(request, qs),
    }
    return render(request, "canteen/sample_list.html", ctx)


@school_view("canteen.record")
def sample_due(request):
    qs = (
        selectors.due_for_discard(FoodSample.objects.for_request(request))
        .select_related("taken_by", "fridge")
        .order_by("discard_after")
    )
    return render(request, "canteen/sample_due.html", page(request, qs))


@school_view("canteen.view")
def sample_detail(request, pk):
    sample = scoped_or_404(
        request, FoodSample.objects.select_related("taken_by", "discarded_by", "fridge", "photo"), pk=pk
    )
    actions = workflows.SAMPLE.allowed(sample, user=request.user, role=request.role)
    return render(
        request,
        "canteen/sample_detail.html",
        {"sample": sample, "due": sample.is_due(), "can_discard": "discard" in actions},
    )


class SampleDiscard(ActionView):
    """记录销毁: a button on the sample's page and on the list of samples due."""

    model = FoodSample
    permission = "canteen.record"
    success_message = gettext_lazy("已记录销毁：%(obj)s")

    def get_success_url(self, obj):
        return reverse("canteen:sample_detail", args=[obj.pk])

    def perform(self, obj, form):
        return services.sample_discard(obj=obj, by=self.request.user)


class _Correction(ActionView):
    """A record's correction page (更正): the new values and the reason, logged before/after."""

    template_name = "generic/form.html"
    submit_label = gettext_lazy("提交更正")
    success_message = gettext_lazy("已更正，变更记录已保存。")

    def title_for(self, obj) -> str:
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=self.title_for(self.object), **kwargs)


class SampleCorrect(_Correction):
    model = FoodSample
    permission = "canteen.manage"
    form_class = SampleCorrectionForm

    def title_for(self, sample):
        return _("更正留样记录：%(s)s") % {"s": sample}

    def get_success_url(self, obj):
        return reverse("canteen:sample_detail", args=[obj.pk])

    def perform(self, obj, form):
        services.sample_correct(
            obj=obj, by=self.request.user, changes=form.changes(), reason=form.cleaned_data["reason"]
        )
        return obj


# --- settings and fridges ---------------------------------------------------------------------
class SettingsEdit(SettingsView):
    settings_model = CanteenSettings
    permission = "canteen.settings"
    form_class = CanteenSettingsForm
    title = gettext_lazy("食堂设置")
    success_message = gettext_lazy("食堂设置已保存。")
    success_url = reverse_lazy("canteen:settings")


class FridgeList(ScopedListView):
    model = Fridge
    permission = "canteen.record"
    template_name = "canteen/fridge_list.html"
    title = gettext_lazy("留样冰箱")
    create_url = reverse_lazy("canteen:fridge_create")
    create_permission = "canteen.manage"

    def get_queryset(self):
        return super().get_queryset().select_related("campus")


class FridgeCreate(ScopedCreateView):
    model = Fridge
    form_class = FridgeForm
    permission = "canteen.manage"
    title = gettext_lazy("新增留样冰箱")
    success_url = reverse_lazy("canteen:fridge_list")


class FridgeUpdate(ScopedUpdateView):
    model = Fridge
    form_class = FridgeForm
    permission = "canteen.manage"
    title = gettext_lazy("编辑留样冰箱")
    success_url = reverse_lazy("canteen:fridge_list")


# --- suppliers and incoming inspection -----------------------------------------------------------
@school_view("canteen.record")
def supplier_list(request):
    today = timezone.localdate()
    qs = Supplier.objects.for_request(request).order_by("-is_active", "food_licence_expires", "name")
    ctx = page(request, qs)
    ctx["rows"] = [(s, selectors.supplier_licence_state(s, today)) for s in ctx["object_list"]]
    ctx["can_manage"] = can(request, "canteen.manage")
    return render(request, "canteen/supplier_list.html", ctx)


class SupplierCreate(ScopedCreateView):
    model = Supplier
    form_class = SupplierForm
    permission = "canteen.manage"
    title = gettext_lazy("新增供应商")
    success_url = reverse_lazy("canteen:supplier_list")


class SupplierUpdate(ScopedUpdateView):
    model = Supplier
    form_class = SupplierForm
    permission = "canteen.manage"
    title = gettext_lazy("编辑供应商")
    success_url = reverse_lazy("canteen:supplier_list")


@school_view("canteen.record")
def delivery_list(request):
    period = month_param(request)
    qs = (
        Delivery.objects.for_request(request)
        .filter(delivered_on__gte=period.start, delivered_on__lte=period.end)
        .select_related("supplier", "inspector")
        .annotate(
            line_count=Count("lines"),
            rejected_count=Count("lines", filter=Q(lines__result=InspectionResult.REJECTED)),
        )
        .order_by("-delivered_on", "-id")
    )
    supplier = request.GET.get("supplier", "")
    if supplier.isdigit() and len(supplier) <= 12:
        qs = qs.filter(supplier_id=int(supplier))
    ctx = {
        "period": period,
        "suppliers": Supplier.objects.for_request(request).only("id", "name"),
        "supplier": supplier,
        "can_manage": can(request, "canteen.manage"),
        **page(request, qs),
    }
    return render(request, "canteen/delivery_list.html", ctx)


@school_view("canteen.manage")
def delivery_create(request):
    from .models import PantryItem

    form = DeliveryForm(request.POST or None, request.FILES or None, school=request.school)
    formset = DeliveryLineFormSet(request.POST or None, prefix="lines")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        lines = [f.cleaned_data for f in formset.forms if f.cleaned_data]
        try:
            delivery = services.delivery_record(
                school=request.school,
                by=request.user,
                supplier=data["supplier"],
                delivered_on=data["delivered_on"],
                account=data["account"],
                invoice_no=data["invoice_no"],
                notes=data["notes"],
                ticket=data.get("ticket"),
                lines=lines,
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("进货查验已登记，合格货品已入库。"))
            return redirect("canteen:delivery_detail", pk=delivery.pk)
    items = PantryItem.objects.for_request(request).values_list("name", flat=True).distinct()[:300]
    return render(
        request,
        "canteen/delivery_form.html",
        {"form": form, "formset": formset, "items": items},
        status=400 if form.is_bound else 200,
    )


@school_view("canteen.record")
def delivery_detail(request, pk):
    delivery = scoped_or_404(
        request, Delivery.objects.select_related("supplier", "inspector", "ticket"), pk=pk
    )
    lines = delivery.lines.select_related("item")
    return render(request, "canteen/delivery_detail.html", {"delivery": delivery, "lines": lines})


class DeliveryCorrect(_Correction):
    model = Delivery
    permission = "canteen.manage"
    form_class = DeliveryCorrectionForm

    def get_form_kwargs(self):
        d = self.object
        initial = {"invoice_no": d.invoice_no, "account": d.account, "notes": d.notes}
        return {**super().get_form_kwargs(), "initial": initial}

    def title_for(self, delivery):
        return _("更正进货查验记录：%(d)s") % {"d": delivery}

    def get_success_url(self, obj):
        return reverse("canteen:delivery_detail", args=[obj.pk])

    def perform(self, obj, form):
        data = dict(form.cleaned_data)
        reason = data.pop("reason")
        services.delivery_correct(obj=obj, by=self.request.user, changes=data, reason=reason)
        return obj


@school_view("canteen.manage")
def delivery_line_correct(request, pk, line_pk):
    delivery = scoped_or_404(request, Delivery.objects.select_related("supplier"), pk=pk)
    line = scoped_or_404(request, DeliveryLine.objects.select_related("item"), pk=line_pk, delivery=delivery)
    batch = PantryBatch.objects.filter(line=line).first()
    initial = {f: getattr(line, f) for f in services.LINE_CORRECTABLE}
    form = DeliveryLineCorrectionForm(request.POST or None, initial=initial, line=line)
    if request.method == "POST" and form.is_valid():
        try:
            services.delivery_line_correct(
                obj=line, by=request.user, changes=form.changes(), reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("已更正，变更记录已保存；库存和验收金额已同步。"))
            return redirect("canteen:delivery_detail", pk=delivery.pk)
    return render(
        request,
        "canteen/delivery_line_correct.html",
        {
            "form": form,
            "delivery": delivery,
            "line": line,
            "batch": batch,
            # what has left the batch (issued, or lost at a count): the quantity cannot go below it
            "used": max(batch.quantity_in - batch.quantity_left, 0) if batch is not None else 0,
            "title": _("更正查验明细：%(i)s") % {"i": line.item.name},
        },
        status=400 if form.is_bound and form.errors else 200,
    )


# --- pantry -------------------------------------------------------------------------------------
@school_view("canteen.record")
def pantry(request):
    today = timezone.localdate()
    qs = (
        PantryBatch.objects.for_request(request)
        .filter(quantity_left__gt=0)
        .select_related("item")
        .order_by("expiry_date", "item__name", "id")
    )
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(item__name__contains=q)
    if request.GET.get("expiring"):
        qs = qs.filter(expiry_date__lte=today + datetime.timedelta(days=3))
    ctx = {
        "today": today,
        "soon": today + datetime.timedelta(days=3),
        "q": q,
        "expiring": bool(request.GET.get("expiring")),
        "can_manage": can(request, "canteen.manage"),
        **page(request, qs),
    }
    return render(request, "canteen/pantry.html", ctx)


class PantryIssue(ActionView):
    permission = "canteen.manage"
    form_class = IssueForm
    template_name = "generic/form.html"
    submit_label = gettext_lazy("出库")
    success_message = gettext_lazy("已出库。")
    success_url = reverse_lazy("canteen:pantry")

    def get_queryset(self):
        return PantryBatch.objects.for_request(self.request).select_related("item")

    def get_context_data(self, **kwargs):
        batch = self.object
        title = _("出库：%(i)s（批号 %(b)s，结存 %(n)s%(u)s）") % {
            "i": batch.item.name,
            "b": batch.batch_no or "—",
            "n": batch.quantity_left,
            "u": batch.item.unit,
        }
        return super().get_context_data(title=title, **kwargs)

    def perform(self, obj, form):
        services.pantry_issue(
            batch=obj,
            by=self.request.user,
            quantity=form.cleaned_data["quantity"],
            purpose=form.cleaned_data["purpose"],
        )
        return obj


@school_view("canteen.manage")
def pantry_count(request):
    today = timezone.localdate()
    month = today.replace(day=1)
    done = PantryCount.objects.for_request(request).filter(month=month).first()
    batches = list(
        PantryBatch.objects.for_request(request)
        .filter(quantity_left__gt=0)
        .select_related("item")
        .order_by("item__name", "id")
    )
    errors = []
    if request.method == "POST" and done is None:
        counts = {}
        for b in batches:
            raw = request.POST.get(f"b{b.pk}", "").strip()
            counts[b.pk] = raw if raw != "" else b.quantity_left
        try:
            services.pantry_count(school=request.school, by=request.user, month=month, counts=counts)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("月末盘点已保存。"))
            return redirect("canteen:pantry_count")
    counts_done = (
        PantryCount.objects.for_request(request).select_related("counted_by").order_by("-month")[:12]
    )
    return render(
        request,
        "canteen/pantry_count.html",
        {"batches": batches, "done": done, "month": month, "errors": errors, "history": counts_done},
        status=400 if errors else 200,
    )


# --- menus and nutrition ------------------------------------------------------------------------
@school_view("canteen.view")
def menu_list(request):
    qs = (
        Menu.objects.for_request(request)
        .annotate(dish_count=Count("dishes"))
        .select_related("published_by")
        .order_by("-week_start")
    )
    ctx = page(request, qs)
    ctx["this_week"] = services.week_start_of(timezone.localdate())
    ctx["next_week"] = ctx["this_week"] + datetime.timedelta(days=7)
    ctx["can_manage"] = can(request, "canteen.manage")
    return render(request, "canteen/menu_list.html", ctx)


@school_view("canteen.view")
def menu_week(request, week):
    try:
        week_start = services.week_start_of(datetime.date.fromisoformat(week))
    except ValueError as exc:
        raise Http404 from exc
    menu = Menu.objects.for_request(request).filter(week_start=week_start).first()
    can_manage = can(request, "canteen.manage")
    if menu is None and can_manage and request.method == "POST":
        menu = services.menu_for_week(school=request.school, week_start=week_start, by=request.user)
        return redirect("canteen:menu_week", week=week_start.isoformat())
    grid = selectors.menu_grid(menu, request.school) if menu else None
    nutrition = (
        selectors.nutrition_summary(request.school, week_start, week_start + datetime.timedelta(days=6))
        if menu
        else []
    )
    ctx = {
        "menu": menu,
        "week_start": week_start,
        "days": grid["days"] if grid else [],
        "rows": grid["rows"] if grid else [],
        "groups": grid["groups"] if grid else age_groups_for(request.school),
        "by_day": grid["by_day"] if grid else [],
        "nutrition": nutrition,
        "can_manage": can_manage,
        "prev": week_start - datetime.timedelta(days=7),
        "next": week_start + datetime.timedelta(days=7),
        "dish_form": DishForm(menu=menu) if menu and can_manage else None,
        "actions": workflows.MENU.allowed(menu, user=request.user, role=request.role) if menu else set(),
        "editable": menu is not None and menu.status == MenuStatus.DRAFT,  # dishes change only in a draft
        "public_url": request.build_absolute_uri(
            reverse("canteen:public_menu", args=[request.school.public_token])
        ),
    }
    return render(request, "canteen/menu_week.html", ctx)


class _MenuAction(ActionView):
    """A button on the week's menu page; back to that page (errors as messages)."""

    model = Menu
    permission = "canteen.manage"

    def get_success_url(self, obj):
        return reverse("canteen:menu_week", args=[self.object.week_start.isoformat()])


class MenuDishAdd(_MenuAction):
    def get_form(self):
        return DishForm(self.request.POST, menu=self.object)

    def invalid(self, form):
        if not form.non_field_errors():  # the form's own checks: one sentence for its three fields
            messages.error(self.request, _("请填写日期、餐次和菜品名称。"))
            return redirect(self.get_success_url(self.object))
        return super().invalid(form)  # the service's refusal

    def perform(self, obj, form):
        services.dish_add(menu=obj, by=self.request.user, **form.cleaned_data)
        return obj


class MenuDishRemove(_MenuAction):
    def get_queryset(self):
        return MenuDish.objects.for_request(self.request).select_related("menu")

    def get_success_url(self, obj):
        return reverse("canteen:menu_week", args=[self.object.menu.week_start.isoformat()])

    def perform(self, obj, form):
        services.dish_remove(dish=obj, by=self.request.user)
        return None


@school_view("canteen.manage")
def menu_dish_ingredients(request, pk):
    dish = scoped_or_404(request, MenuDish.objects.select_related("menu"), pk=pk)
    form = IngredientForm(request.POST or None, school=request.school)
    if request.method == "POST" and form.is_valid():
        try:
            services.dish_set_ingredient(
                dish=dish,
                by=request.user,
                food=form.cleaned_data["food"],
                grams_by_group=form.grams_by_group(),
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("用料已保存。"))
            return redirect("canteen:menu_dish_ingredients", pk=dish.pk)
    groups = form.groups
    by_food = {}
    for ing in dish.ingredients.select_related("food").order_by("food__name"):
        by_food.setdefault(ing.food.name, {})[ing.age_group] = ing.grams
    rows = [(name, [q.get(g.value) for g in groups]) for name, q in by_food.items()]
    return render(
        request,
        "canteen/dish_ingredients.html",
        {"dish": dish, "form": form, "groups": groups, "rows": rows},
        status=400 if form.is_bound and form.errors else 200,
    )


class MenuCopy(_MenuAction):
    def perform(self, obj, form):
        self.copied = services.menu_copy_previous(menu=obj, by=self.request.user)
        return obj

    def get_success_message(self, obj):
        return _("已复制上周食谱（%(n)d 道菜）。") % {"n": self.copied}


class MenuPublish(_MenuAction):
    success_message = gettext_lazy("食谱已发布。")

    def perform(self, obj, form):
        return services.menu_publish(menu=obj, by=self.request.user)


class MenuUnpublish(_MenuAction):
    form_class = CommentForm
    success_message = gettext_lazy("已撤回发布。")

    def perform(self, obj, form):
        return services.menu_unpublish(menu=obj, by=self.request.user, comment=form.cleaned_data["comment"])


@school_view("canteen.view")
def menu_pdf(request, pk):
    menu = scoped_or_404(request, Menu, pk=pk)
    report = canteen_reports.menu_notice(request.school, menu)
    return report_response(report, "pdf", f"menu-{menu.week_start:%Y-%m-%d}")


def public_menu(request, token):
    """Parents' read-only page: this week's and next week's PUBLISHED menus of one school, nothing else."""
    school = get_object_or_404(School, public_token=token)
    this_week = services.week_start_of(timezone.localdate())
    menus = list(
        Menu.objects.filter(
            school=school,
            status=MenuStatus.PUBLISHED,
            week_start__in=[this_week, this_week + datetime.timedelta(days=7)],
        ).order_by("week_start")
    )
    weeks = []
    for menu in menus:
        weeks.append({"menu": menu, **selectors.menu_grid(menu, school)})
    response = render(request, "canteen/public_menu.html", {"school_name": school.name, "weeks": weeks})
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


@school_view("canteen.view")
def nutrition(request):
    period = month_param(request)
    rows = selectors.nutrition_summary(request.school, period.start, period.end)
    return render(
        request,
        "canteen/nutrition.html",
        {"period": period, "rows": rows, "cfg": CanteenSettings.for_school(request.school)},
    )


@school_view("canteen.view")
def food_list(request):
    qs = Food.visible_to(request.school).order_by("school_id", "category", "name")
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(name__contains=q)
    ctx = {"q": q, "can_manage": can(request, "canteen.manage"), **page(request, qs)}
    return render(request, "canteen/food_list.html", ctx)


class FoodCreate(ScopedCreateView):
    model = Food
    form_class = FoodForm
    permission = "canteen.manage"
    title = gettext_lazy("新增食物成分（每100克）")
    success_url = reverse_lazy("canteen:food_list")


# --- meal-fee account ---------------------------------------------------------------------------
@school_view("canteen.accounts")
def account_month(request):
    period = month_param(request)
    account = request.GET.get("account") or Account.CHILDREN
    if account not in Account.values:
        raise Http404
    statement = selectors.fee_statement(request.school, period, account)
    entries = (
        FeeEntry.objects.for_request(request)
        .filter(account=account, day__gte=period.start, day__lte=period.end)
        .select_related("recorded_by")
        .order_by("-day", "-id")
    )
    deliveries = (
        Delivery.objects.for_request(request)
        .filter(
            account=account,
            delivered_on__gte=period.start,
            delivered_on__lte=period.end,
            accepted_amount__gt=0,
        )
        .select_related("supplier")
        .order_by("delivered_on", "id")
    )
    ctx = {
        "period": period,
        "account": account,
        "accounts": Account.choices,
        "statement": statement,
        "deliveries": deliveries[:200],
        "can_manage": can(request, "canteen.accounts.manage"),
        **page(request, entries),
    }
    return render(request, "canteen/account_month.html", ctx)


@school_view("canteen.accounts")
def account_pdf(request):
    period = month_param(request)
    account = request.GET.get("account") or Account.CHILDREN
    if account not in Account.values:
        raise Http404
    report = canteen_reports.fee_publication(request.school, period, account)
    return report_response(report, "pdf", f"meal-fee-{account}-{period.key}")


def _account_month_url(entry):
    return f"{reverse('canteen:account_month')}?account={entry.account}&month={entry.day:%Y-%m}"


class AccountEntryCreate(ActionView):
    permission = "canteen.accounts.manage"
    form_class = FeeEntryForm
    template_name = "generic/form.html"
    title = gettext_lazy("登记伙食账目")
    success_message = gettext_lazy("已记账：%(obj)s")
    success_url = staticmethod(_account_month_url)

    def get_form_kwargs(self):
        initial = {"account": self.request.GET.get("account", Account.CHILDREN)}
        return {**super().get_form_kwargs(), "initial": initial}

    def perform(self, obj, form):
        request = self.request
        return services.fee_entry_record(school=request.school, by=request.user, **form.cleaned_data)


class AccountEntryCorrect(_Correction):
    model = FeeEntry
    permission = "canteen.accounts.manage"
    form_class = FeeCorrectionForm
    success_url = staticmethod(_account_month_url)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "initial": {"amount": self.object.amount}}

    def title_for(self, entry):
        return _("更正账目：%(e)s") % {"e": entry}

    def perform(self, obj, form):
        services.fee_entry_correct(obj=obj, by=self.request.user, **form.cleaned_data)
        return obj


# --- daily logs -----------------------------------------------------------------------------------
class _LogList(ScopedListView):
    permission = "canteen.view"
    create_permission = "canteen.record"
    template_name = "canteen/log_list.html"
    columns: list = []
    related: list = []

    def get_queryset(self):
        return super().get_queryset().select_related(*self.related)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["columns"] = self.columns
        ctx["kind"] = self.kind
        return ctx


class DisinfectionList(_LogList):
    model = DisinfectionLog
    kind = "disinfection"
    title = gettext_lazy("餐具消毒记录")
    create_url = reverse_lazy("canteen:disinfection_create")
    related = ["done_by"]
    columns = [
        gettext_lazy("日期"),
        gettext_lazy("餐次"),
        gettext_lazy("餐具"),
        gettext_lazy("方式"),
        gettext_lazy("时长"),
        gettext_lazy("消毒人"),
    ]


class WasteList(_LogList):
    model = WasteLog
    kind = "waste"
    title = gettext_lazy("餐厨废弃物登记")
    create_url = reverse_lazy("canteen:waste_create")
    related = ["recorded_by"]
    columns = [
        gettext_lazy("日期"),
        gettext_lazy("数量（千克）"),
        gettext_lazy("收运单位"),
        gettext_lazy("登记人"),
        gettext_lazy("备注"),
    ]


class DiningList(_LogList):
    model = DiningRecord
    kind = "dining"
    title = gettext_lazy("陪餐记录")
    create_url = reverse_lazy("canteen:dining_create")
    related = ["leader"]
    columns = [
        gettext_lazy("日期"),
        gettext_lazy("餐次"),
        gettext_lazy("陪餐人"),
        gettext_lazy("评价与意见"),
        gettext_lazy("整改跟进"),
    ]


class SurveyList(_LogList):
    model = SatisfactionSurvey
    kind = "survey"
    title = gettext_lazy("满意度测评")
    create_url = reverse_lazy("canteen:survey_create")
    create_permission = "canteen.manage"
    columns = [
        gettext_lazy("月份"),
        gettext_lazy("对象"),
        gettext_lazy("参与人数"),
        gettext_lazy("满意人数"),
        gettext_lazy("满意率"),
        gettext_lazy("主要意见"),
    ]


class _LogCreate(ScopedCreateView):
    permission = "canteen.record"
    by_field = ""

    def get_initial(self):
        initial = super().get_initial()
        if self.by_field:
            initial[self.by_field] = self.request.user.pk
        return initial

    def form_valid(self, form):
        if self.by_field and self.by_field not in form.fields:
            setattr(form.instance, self.by_field, self.request.user)
        return super().form_valid(form)

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class DisinfectionCreate(_LogCreate):
    model = DisinfectionLog
    form_class = DisinfectionForm
    title = gettext_lazy("登记餐具消毒")
    success_url = reverse_lazy("canteen:disinfection_list")
    by_field = "done_by"


class WasteCreate(_LogCreate):
    model = WasteLog
    form_class = WasteForm
    title = gettext_lazy("登记餐厨废弃物")
    success_url = reverse_lazy("canteen:waste_list")
    by_field = "recorded_by"


class DiningCreate(_LogCreate):
    model = DiningRecord
    form_class = DiningForm
    title = gettext_lazy("登记陪餐")
    success_url = reverse_lazy("canteen:dining_list")
    by_field = "leader"


class SurveyCreate(_LogCreate):
    model = SatisfactionSurvey
    form_class = SurveyForm
    permission = "canteen.manage"
    title = gettext_lazy("登记满意度测评")
    success_url = reverse_lazy("canteen:survey_list")


@school_view("canteen.view")
def morning_checks(request):
    today = timezone.localdate()
    workers = list(selectors.canteen_workers(request.school))
    valid = selectors.valid_health_certificate_users(request.school, today)
    done = {c.worker_id: c for c in MorningCheck.objects.for_request(request).filter(day=today)}
    board = [{"worker": w, "check": done.get(w.pk), "cert_ok": w.pk in valid} for w in workers]
    history = (
        MorningCheck.objects.for_request(request)
        .select_related("worker", "checked_by")
        .order_by("-day", "worker_id")
    )
    form = (
        MorningCheckForm(workers=selectors.canteen_workers(request.school))
        if can(request, "canteen.record")
        else None
    )
    ctx = {"today": today, "board": board, "form": form, **page(request, history)}
    return render(request, "canteen/morning_checks.html", ctx)


class MorningCheckCreate(ActionView):
    """The morning-check form on the morning-checks page (a POST only; back to that page)."""

    permission = "canteen.record"
    success_url = reverse_lazy("canteen:morning_checks")

    def get_form(self):
        return MorningCheckForm(self.request.POST, workers=selectors.canteen_workers(self.request.school))

    def invalid(self, form):
        if not form.non_field_errors():  # the form's own checks
            messages.error(self.request, _("请选择从业人员和晨检结果。"))
            return redirect(self.success_url)
        return super().invalid(form)  # the service's refusal

    def perform(self, obj, form):
        return services.morning_check_record(
            school=self.request.school, by=self.request.user, **form.cleaned_data
        )

    def get_success_message(self, check):
        if check.certificate_ok:
            return _("晨检已记录。")
        # recorded, but the person may not work with food today: a warning, not a success
        messages.warning(
            self.request,
            _("%(w)s 没有有效的健康证：不得从事接触直接入口食品的工作。")
            % {"w": check.worker.first_name or check.worker.username},
        )
        return ""


@school_view("canteen.view")
def home(request):
    """The canteen's landing page: links to every job, today's state at a glance."""
    today = timezone.localdate()
    board = selectors.today_board(request.school, today) if can(request, "canteen.record") else []
    return render(request, "canteen/home.html", {"today": today, "board": board})
