"""Assertions shared by the view tests."""

from django.test import Client


def assert_login_required(url, method="get", data=None):
    response = getattr(Client(), method)(url, data or {})
    assert response.status_code == 302, response.status_code
    assert "/accounts/login/" in response["Location"]


def assert_status(client, url, status, method="get", data=None):
    response = getattr(client, method)(url, data or {})
    assert response.status_code == status, f"{method.upper()} {url}: {response.status_code} != {status}"
    return response


def form_errors(response):
    """All error messages of the form(s) in a re-rendered page, flattened."""
    contexts = response.context if isinstance(response.context, list) else [response.context]
    forms = {}
    for ctx in contexts:
        if ctx is None:
            continue
        for value in ctx.flatten().values():
            if hasattr(value, "errors") and hasattr(value, "is_bound"):
                forms[id(value)] = value
    messages = []
    for form in forms.values():
        errors = form.errors
        if isinstance(errors, list):  # a formset: one dict per form, plus its own errors
            messages.extend(form.non_form_errors())
            for per_form in errors:
                for errs in per_form.values():
                    messages.extend(errs)
        else:
            for errs in errors.values():
                messages.extend(errs)
    return messages
