"""The view plumbing every app shares: one POST action view, one settings view, one paginator, one
month parameter, one safe return URL and one way to put a service's errors on a form.

An action view is the whole body of a POST that changes something (NetBox's ObjectEditView):

    class RequestCancel(ActionView):
        permission = "finance.request"
        form_class = CommentForm
        success_message = gettext_lazy("请购单已撤销。")

        def get_queryset(self):
            return selectors.visible_requests(self.request)

        def perform(self, obj, form):
            return services.purchase_request_cancel(obj=obj, by=self.request.user, **form.cleaned_data)

It loads the object scoped to the current school (another school's is a 404), binds the form, calls
the service inside one transaction, puts a `ValidationError` on the form's fields (or, for a button on
a detail page, into messages), re-checks after saving that the object is still one the user may reach
(else everything is rolled back), adds the success message and returns to a safe `next` URL or the
view's default. Views stay thin: parse, call, redirect.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views import View

from .permissions import SchoolViewMixin
from .reports import Period

PAGE_SIZE = 50


# --- small helpers ------------------------------------------------------------------------------
def page(request, qs, per_page: int = PAGE_SIZE) -> dict:
    """One page of `qs` for a list template: page_obj, paginator, is_paginated, object_list."""
    page_obj = Paginator(qs, per_page).get_page(request.GET.get("page"))
    return {
        "page_obj": page_obj,
        "paginator": page_obj.paginator,
        "is_paginated": page_obj.has_other_pages(),
        "object_list": page_obj.object_list,
    }


def month_param(request, name: str = "month", *, default=Period.current_month, source=None) -> Period:
    """The month a page asks for (`?month=2026-11`), or `default()` when there is none.

    Anything that is not a month is a 404: a typed or tampered address never shows another month's
    figures under the asked-for heading."""
    text = (source if source is not None else request.GET).get(name, "")
    if not text:
        return default()
    try:
        return Period.parse_month(text)
    except ValueError as exc:
        raise Http404 from exc


def safe_next(request, default: str) -> str:
    """The `next` the form or link asked to return to, if it is a path on this site; else `default`.

    A path only (as NetBox's safe_for_redirect): never another host, a scheme-relative `//host`, or
    a bare word that redirect() would try to reverse as a view name."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (
        target.startswith("/")
        and not target.startswith("//")
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    ):
        return target
    return default


def errors_to_form(form, exc: ValidationError) -> None:
    """A service's refusal on the form: each message on its field when the form has that field,
    otherwise at the top of the form. The same everywhere."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def errors_to_messages(request, exc: ValidationError) -> None:
    for text in exc.messages:
        messages.error(request, text)


def form_errors_to_messages(request, form) -> None:
    for errors in form.errors.values():
        for text in errors:
            messages.error(request, text)


def form_page(request, form, title, *, status=None, template="generic/form.html", **extra):
    """The one form page; 400 when a bound form has errors (nothing was written)."""
    if status is None:
        status = 400 if form.is_bound and form.errors else 200
    return render(request, template, {"form": form, "title": title, **extra}, status=status)


class EmptyForm(forms.Form):
    """A button's form: nothing to fill in."""


# --- the action view ----------------------------------------------------------------------------
class ActionView(SchoolViewMixin, View):
    """One POST that changes one object (or, with `model = None`, the school) through a service.

    Configure with attributes, override `perform` (and, where needed, `get_form_kwargs`,
    `get_success_url`, `get_success_message`, `get_context_data`):

    - `model` or `get_queryset()`: the scoped queryset the object is loaded from (404 outside it);
      `model = None` for an action on the school itself (a create);
    - `permission`: the role permission (logistics.permissions), checked before anything;
    - `form_class`: the form bound to the POST (EmptyForm for a button);
    - `template_name`: set for a form page (GET shows it, invalid POST shows it again with the
      errors on their fields, status 400); unset for a button on another page (errors go to
      messages and the user returns to where they were);
    - `success_message`: formatted with %(obj)s;
    - `success_url`: default return (a callable taking the object, or a string); `next` wins when safe;
    - `recheck`: after saving, the object must still be in the scoped queryset (else roll back).
    """

    model = None
    form_class = EmptyForm
    template_name: str | None = None
    title = ""
    submit_label = ""
    success_message = ""
    success_url = None
    recheck = True
    http_method_names = ["get", "post"]

    # --- hooks ---
    def get_queryset(self):
        if self.model is None:
            raise ImproperlyConfigured(f"{type(self).__name__} needs `model` or get_queryset()")
        return self.model.objects.for_request(self.request)

    def get_object(self):
        """The object named by the URL's `pk`, from the scoped queryset; None for a school action."""
        if "pk" not in self.kwargs:
            return None
        qs = self.get_queryset()
        try:
            return qs.get(pk=self.kwargs["pk"])
        except (qs.model.DoesNotExist, ValueError, TypeError) as exc:
            raise Http404 from exc

    def get_form_kwargs(self) -> dict:
        kwargs = {}
        if self.request.method == "POST":
            kwargs.update(data=self.request.POST, files=self.request.FILES)
        return kwargs

    def get_form(self):
        return self.form_class(**self.get_form_kwargs())

    def perform(self, obj, form):
        """Call the service with the parsed form; return the object changed or made."""
        raise NotImplementedError

    def get_success_url(self, obj) -> str:
        url = self.success_url
        if callable(url):
            url = url(obj)
        if url is None and obj is not None and hasattr(obj, "get_absolute_url"):
            url = obj.get_absolute_url()
        if url is None:
            raise ImproperlyConfigured(f"{type(self).__name__} needs success_url")
        return str(url)

    def get_success_message(self, obj) -> str:
        text = str(self.success_message)
        return text % {"obj": obj} if "%(obj)" in text else text

    def get_context_data(self, **kwargs) -> dict:
        return {"title": self.title, "submit_label": self.submit_label, "object": self.object, **kwargs}

    # --- the flow ---
    def get(self, request, *args, **kwargs):
        if not self.template_name:  # a button: only ever POSTed
            return self.http_method_not_allowed(request, *args, **kwargs)
        self.object = self.get_object()
        return self.render_form(self.get_form(), status=200)

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = self.get_form()
        if not form.is_valid():
            return self.invalid(form)
        try:
            with transaction.atomic():
                result = self.perform(self.object, form)
                self._recheck(result)
        except ValidationError as exc:
            errors_to_form(form, exc)
            return self.invalid(form)
        done = result if result is not None else self.object
        message = self.get_success_message(done)
        if message:
            messages.success(request, message)
        return HttpResponseRedirect(safe_next(request, self.get_success_url(done)))

    def invalid(self, form):
        if self.template_name:
            return self.render_form(form, status=400)
        form_errors_to_messages(self.request, form)
        return HttpResponseRedirect(safe_next(self.request, self.get_success_url(self.object)))

    def render_form(self, form, *, status):
        return render(self.request, self.template_name, self.get_context_data(form=form), status=status)

    def _recheck(self, result):
        """NetBox's check after saving: what the action produced must still be the user's to reach."""
        if not self.recheck or not hasattr(result, "pk") or result.pk is None:
            return
        if not hasattr(type(result).objects, "for_request"):
            return
        if not type(result).objects.for_request(self.request).filter(pk=result.pk).exists():
            raise PermissionDenied


# --- the settings view --------------------------------------------------------------------------
class SettingsView(ActionView):
    """A school's settings page: the app's per-school settings row, edited through one form and
    saved with its change log. Set `permission`, `form_class`, `title`, `success_url` and
    `settings_model` (a SchoolSettings model; or override `get_settings(school)`); `save(form)`
    defaults to `logistics.services.save_with_log`."""

    template_name = "generic/form.html"
    success_message = _("已保存。")
    recheck = False
    settings_model = None

    def get_settings(self, school):
        return self.settings_model.for_school(school)

    def get_object(self):
        return self.get_settings(self.request.school)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.object
        if "school" in _init_params(self.form_class):
            kwargs["school"] = self.request.school
        return kwargs

    def perform(self, obj, form):
        return self.save(form)

    def save(self, form):
        from .services import save_with_log

        return save_with_log(form=form, by=self.request.user)


def _init_params(form_class):
    import inspect

    return inspect.signature(form_class.__init__).parameters
