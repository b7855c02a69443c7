"""The one registry of the apps' hooks: the shell finds each app's parts through its AppConfig.

An app plugs in by making its AppConfig a `registry.DomainApp` (import the module, not the class: an
apps.py with two AppConfig classes in it has no default) and listing it in INSTALLED_APPS; nothing in
`logistics` names it. Its hooks are modules of the app, found by name, in INSTALLED_APPS order:

| module        | what the shell takes from it                                              |
|---------------|---------------------------------------------------------------------------|
| `nav`         | `SECTIONS` (or `SECTION`): the app's part of the menu                     |
| `dashboard`   | `cards(request) -> list[Card]`                                            |
| `reports`     | its month-end sheets (registered on import); `month_gaps(school, period)` |
| `bureau`      | `metrics(schools, period) -> {school_id: [(label, value, level)]}`       |
| `workflows`   | its transition tables (logistics.workflow), declared on import           |
| `demo`        | `seed(demo_school)`: the demo records of `make run`                       |
| `urls`        | its pages, served under `<label>/` (with the module's `app_name`)         |

`AppConfig.hook_modules` may name others (`{"demo": "monthend.demo_data"}`) or leave one out
(`{"demo": None}`).
"""

from __future__ import annotations

from functools import cache
from importlib import import_module

from django.apps import AppConfig, apps

HOOK_MODULES = ("nav", "dashboard", "reports", "bureau", "workflows", "demo")


class DomainApp(AppConfig):
    """Base of every app the shell discovers (logistics included, for its own menu and cards)."""

    hook_modules: dict = {}

    def hook_module_name(self, hook: str) -> str | None:
        if hook in self.hook_modules:
            return self.hook_modules[hook]
        return f"{self.name}.{hook}"

    def ready(self):
        # Declarations first: transition tables and report definitions register themselves on import.
        for hook in ("workflows", "reports"):
            module(self, hook)


def domain_apps() -> list[DomainApp]:
    """The apps that plug into the shell, in INSTALLED_APPS order."""
    return [c for c in apps.get_app_configs() if isinstance(c, DomainApp)]


def module(config: DomainApp, hook: str):
    """The app's module for `hook`, or None when it has none (a missing module is not an error; a
    module that fails to import is)."""
    name = config.hook_module_name(hook)
    if not name:
        return None
    return _import(name)


@cache
def _import(name):
    try:
        return import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None
        raise


def modules(hook: str) -> list[tuple[str, object]]:
    """[(app label, module)] of every domain app that has the hook module, in app order."""
    found = []
    for config in domain_apps():
        mod = module(config, hook)
        if mod is not None:
            found.append((config.label, mod))
    return found


def functions(hook: str, attr: str) -> list[tuple[str, object]]:
    """[(app label, callable)] named `attr` in each app's `hook` module."""
    return [(label, fn) for label, mod in modules(hook) if callable(fn := getattr(mod, attr, None))]
