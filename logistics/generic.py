"""Generic school-scoped views that the apps build on.

They combine SchoolViewMixin (login, role, scoping) with Django's generic views, pass `school` to
SchoolScopedForm, and save through `services.save_with_log` so ordinary records keep a history too.
Compliance records do not use ScopedUpdateView: they are corrected through their app's service.
"""

from django.contrib import messages
from django.utils.translation import gettext as _
from django.views.generic import CreateView, ListView, UpdateView

from .permissions import SchoolViewMixin
from .services import save_with_log


class ScopedListView(SchoolViewMixin, ListView):
    paginate_by = 50
    template_name = "generic/list.html"
    title = ""
    create_url = ""
    create_permission = ""

    def get_context_data(self, **kwargs):
        from .permissions import can

        ctx = super().get_context_data(**kwargs)
        ctx["title"] = self.title
        if self.create_url and can(self.request, self.create_permission or self.permission):
            ctx["create_url"] = self.create_url
        return ctx


class _ScopedFormMixin:
    template_name = "generic/form.html"
    title = ""
    success_message = _("已保存。")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["school"] = self.request.school
        return kwargs

    def form_valid(self, form):
        self.object = save_with_log(form=form, by=self.request.user)
        messages.success(self.request, self.success_message)
        from django.http import HttpResponseRedirect

        return HttpResponseRedirect(self.get_success_url())

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["title"] = self.title
        return ctx


class ScopedCreateView(SchoolViewMixin, _ScopedFormMixin, CreateView):
    pass


class ScopedUpdateView(SchoolViewMixin, _ScopedFormMixin, UpdateView):
    pass
