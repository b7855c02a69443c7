"""Every declared transition of every workflow, walked through the engine (logistics.workflow).

The cases are generated from the declarations in each app's workflows.py, so a new transition is
tested by being declared. For each transition and each state it starts from:

- a role that holds its permission (and is the owner / not the owner / the assignee, as declared)
  takes it: the status moves to each declared target and the change log names the action;
- every role without the permission is refused, and so is the wrong person (not the owner, the
  owner themself, not the assignee), with nothing written;
- from every other state the action is refused, with nothing written;
- a system transition runs with no user and refuses every user.

Each app's tests/<app>/builders.py makes an object of a workflow in a given state
(`BUILDERS = {workflow name: build(school, state, *, owner, assignee)}`).
"""

from importlib import import_module

import pytest
from django.core.exceptions import ValidationError

from logistics.audit import snapshot
from logistics.choices import ChangeAction, Role
from logistics.models import ChangeLog
from logistics.permissions import role_can
from logistics.registry import domain_apps
from logistics.workflow import Actor, workflows
from tests.factories import member

STAFF_ROLES = [r for r in Role if r != Role.BUREAU]


def _builders():
    found = {}
    for config in domain_apps():
        try:
            module = import_module(f"tests.{config.label}.builders")
        except ModuleNotFoundError:
            continue
        found.update(module.BUILDERS)
    return found


BUILDERS = _builders()


def _cases():
    for wf in workflows():
        for t in wf.transitions:
            for source in sorted(t.sources):
                yield pytest.param(wf, t, source, id=f"{wf.name}:{t.action}:{source}")


def _may_hold(t, role) -> bool:
    return role_can(role, t.permission) and (t.roles is None or role in t.roles)


def _overrides(t, role) -> bool:
    return bool(t.override) and role_can(role, t.override)


def _build(wf, school, state, *, owner, assignee):
    obj = BUILDERS[wf.name](school, state, owner=owner, assignee=assignee)
    assert getattr(obj, wf.field) == state, f"{wf.name}'s builder did not make a {state} object"
    if wf.owner:
        assert wf.owner_id(obj) == owner.pk, f"{wf.name}'s builder must set {wf.owner} to `owner`"
    if wf.assignee:
        assert wf.assignee_id(obj) == assignee.pk, f"{wf.name}'s builder must set {wf.assignee}"
    return obj


def _assert_refused(wf, obj, action, by):
    before, logs = snapshot(obj), ChangeLog.objects.count()
    with pytest.raises(ValidationError):
        wf.apply(obj, action, by=by)
    fresh = type(obj).objects.get(pk=obj.pk)
    assert snapshot(fresh) == before and ChangeLog.objects.count() == logs, "a refusal wrote something"


def test_every_workflow_has_a_builder():
    missing = sorted(wf.name for wf in workflows() if wf.name not in BUILDERS)
    assert not missing, f"add a builder to tests/<app>/builders.py for {missing}"


@pytest.mark.django_db
@pytest.mark.parametrize(("wf", "t", "source"), list(_cases()))
def test_declared_transition(wf, t, source, school):
    others = {role: member(school, role) for role in STAFF_ROLES}
    bystander = member(school, Role.TEACHER)

    if t.actor == Actor.SYSTEM:
        for target in sorted(t.targets):
            obj = _build(wf, school, source, owner=bystander, assignee=bystander)
            wf.apply(obj, t.action, by=None, target=target)
            _assert_moved(wf, obj, t, source, target, by=None)
        obj = _build(wf, school, source, owner=bystander, assignee=bystander)
        _assert_refused(wf, obj, t.action, others[Role.PRINCIPAL])
        return

    allowed = [r for r in STAFF_ROLES if _may_hold(t, r)]
    assert allowed, f"{wf.name}:{t.action}: no role may take it"
    role = allowed[0]
    actor = others[role]

    # the allowed person takes it, to each declared target
    for target in sorted(t.targets):
        owner = actor if t.actor == Actor.OWNER else bystander
        assignee = actor if t.actor == Actor.ASSIGNEE else bystander
        obj = _build(wf, school, source, owner=owner, assignee=assignee)
        wf.apply(obj, t.action, by=actor, target=target)
        _assert_moved(wf, obj, t, source, target, by=actor)

    # every role without the permission is refused, even as the owner or the assignee
    for wrong in (r for r in STAFF_ROLES if not _may_hold(t, r)):
        person = others[wrong]
        obj = _build(wf, school, source, owner=person, assignee=person)
        _assert_refused(wf, obj, t.action, person)

    # the wrong person with the right role is refused (unless their role overrides the rule)
    plain = [r for r in allowed if not _overrides(t, r)]
    if t.actor in (Actor.OWNER, Actor.ASSIGNEE) and plain:
        obj = _build(wf, school, source, owner=bystander, assignee=bystander)
        _assert_refused(wf, obj, t.action, others[plain[0]])
    if t.actor == Actor.NOT_OWNER and plain:
        person = others[plain[0]]
        obj = _build(wf, school, source, owner=person, assignee=bystander)
        _assert_refused(wf, obj, t.action, person)

    # from any state it does not start from, the action is refused
    for state in wf.states():
        if wf.find(t.action, state) is None:
            obj = _build(wf, school, state, owner=actor, assignee=actor)
            _assert_refused(wf, obj, t.action, actor)


def _assert_moved(wf, obj, t, source, target, *, by):
    fresh = type(obj).objects.get(pk=obj.pk)
    assert getattr(fresh, wf.field) == target
    log = ChangeLog.objects.filter(object_id=str(obj.pk), action=ChangeAction.TRANSITION).latest("id")
    assert log.transition == t.action and log.user == by
    assert log.before[wf.field] == source and log.after[wf.field] == target
