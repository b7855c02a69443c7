"""The one workflow engine (DESIGN.md rule 2): explicit transition tables, checked and applied here.

Each app declares its tables in one shape in `<app>/workflows.py`:

    REPAIR = Workflow(
        "assets.repair",
        model=RepairRequest,
        actions=RepairAction,                    # TextChoices: the action names and their labels
        owner="requested_by", assignee="assignee",
        history=write_repair_event,              # the app's own history row (RepairEvent), or None
        transitions=[
            Transition(RepairAction.ASSIGN, {S.SUBMITTED, S.ASSIGNED}, S.ASSIGNED, "repairs.manage"),
            Transition(RepairAction.COMPLETE, {S.ASSIGNED}, S.DONE, "repairs.raise",
                       actor=Actor.ASSIGNEE, override="repairs.manage"),
            ...
        ],
    )

A service then keeps only its step's own effects:

    with REPAIR.step(obj, RepairAction.COMPLETE, by=by, comment=note) as step:
        step.set(cost=cost, finished_at=now)
        step.notify(users=[step.obj.requested_by], title=..., url=..., dedupe_key=...)
    return step.obj

`step()` opens a transaction, locks the row (or, with `lock=CONDITIONAL`, re-reads it and applies the
move as `filter(pk=.., status=old).update(..)`), refuses a stale decision (`seen_status`) naming who
acted first, checks the state, the role (always from the membership, never from the view) and the
actor rule, lets the service add its effects, then sets the status (the only place in the code base
that assigns a workflow's status field), saves, writes the app's history row and the change log
(before/after of every field the step changed, with the action), and queues the notifications with
`transaction.on_commit`. Refusals are `ValidationError`s raised before anything is written.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .audit import jsonable, record_change, snapshot
from .choices import ChangeAction
from .permissions import role_can, role_of


class Actor(models.TextChoices):
    """Who, beyond holding the permission, may take a transition."""

    ANYONE = "anyone", gettext_lazy("有权限者")
    OWNER = "owner", gettext_lazy("申请人本人")  # the requester, claimant, borrower, reporter
    NOT_OWNER = "not_owner", gettext_lazy("申请人以外的人")  # nobody approves their own request
    ASSIGNEE = "assignee", gettext_lazy("被指派人")
    SYSTEM = "system", gettext_lazy("系统")  # scheduled jobs only: `by` is None


class Lock(models.TextChoices):
    ROW = "row", "select_for_update"
    CONDITIONAL = "conditional", "filter(status=old).update(...)"


@dataclass(frozen=True)
class Transition:
    """One allowed move. `target` is one state, or the set of states the service chooses from
    (`step.go_to`), e.g. the director's approval goes on to the principal or is final.

    `permission` is an action of logistics.permissions.PERMISSIONS the actor's role must hold;
    `roles` narrows it further (only the principal takes the principal's step). `actor` relates the
    person to the object; `override` is a permission whose holders pass the actor rule (a manager
    records a repair for the assignee). The actor rule is checked before the role, so the principal
    deciding their own paper hears that nobody approves their own, not that their role may not.
    `refusal` replaces the workflow's message for the rule this transition is about: the actor rule,
    or, for a transition anyone with the permission may take, the role. `wrong_state` replaces the
    workflow's message when the action is asked for in a state it does not start from.
    """

    action: str
    sources: frozenset
    target: str | frozenset
    permission: str | None = None
    actor: Actor = Actor.ANYONE
    roles: frozenset | None = None
    override: str | None = None
    refusal: str = ""
    wrong_state: str = ""

    def __post_init__(self):
        object.__setattr__(self, "sources", frozenset(self.sources))
        if not isinstance(self.target, str):
            object.__setattr__(self, "target", frozenset(self.target))
        if self.roles is not None:
            object.__setattr__(self, "roles", frozenset(self.roles))
        if self.actor == Actor.SYSTEM:
            if self.permission or self.override:
                raise ValueError(f"{self.action}: a system transition names no permission")
        else:
            if not self.permission:
                raise ValueError(f"{self.action}: a transition names the permission it needs")
            role_can(None, self.permission)  # an unknown permission raises KeyError at import
            if self.override:
                role_can(None, self.override)

    @property
    def targets(self) -> frozenset:
        return frozenset({self.target}) if isinstance(self.target, str) else self.target


# The workflow's default messages. Each is formatted with %(obj)s, %(status)s (the current state's
# label) and %(action)s (the action's label); `stale` also with %(who)s and %(what)s.
DEFAULT_MESSAGES = {
    "wrong_state": gettext_lazy("当前状态「%(status)s」下不能执行「%(action)s」。"),
    "forbidden": gettext_lazy("您没有执行此操作的权限。"),
    "owner_only": gettext_lazy("只有申请人本人可以执行此操作。"),
    "not_owner": gettext_lazy("不能处理本人提交的申请。"),
    "not_assignee": gettext_lazy("只有被指派人可以执行此操作。"),
    "stale": gettext_lazy(
        "该记录刚刚已由%(who)s处理（%(what)s），当前状态为「%(status)s」，您的操作未生效。"
    ),
    "system_only": gettext_lazy("此操作只能由系统执行。"),
}

WORKFLOWS: dict[str, Workflow] = {}


class Workflow:
    """A model's transition table and the engine that applies it."""

    def __init__(
        self,
        name: str,
        *,
        model: type[models.Model],
        actions: type[models.TextChoices],
        transitions: Iterable[Transition],
        field: str = "status",
        owner: str | None = None,
        assignee: str | None = None,
        history: Callable[[Step], object] | None = None,
        lock: Lock = Lock.ROW,
        messages: dict | None = None,
    ):
        self.name, self.model, self.actions, self.field = name, model, actions, field
        self.owner, self.assignee, self.history, self.lock = owner, assignee, history, lock
        self.transitions = tuple(transitions)
        self.messages = {**DEFAULT_MESSAGES, **(messages or {})}
        self._check_declaration()
        WORKFLOWS[name] = self

    def __repr__(self):
        return f"<Workflow {self.name}>"

    def _check_declaration(self):
        states = set(self.model._meta.get_field(self.field).get_choices(include_blank=False))
        states = {value for value, _label in states}
        seen = set()
        for t in self.transitions:
            if t.action not in self.actions.values:
                raise ValueError(f"{self.name}: {t.action!r} is not one of {self.actions.__name__}")
            unknown = (t.sources | t.targets) - states
            if unknown:
                raise ValueError(f"{self.name}: {t.action} names unknown states {sorted(unknown)}")
            if t.actor in (Actor.OWNER, Actor.NOT_OWNER) and not self.owner:
                raise ValueError(f"{self.name}: {t.action} needs the workflow's owner field")
            if t.actor == Actor.ASSIGNEE and not self.assignee:
                raise ValueError(f"{self.name}: {t.action} needs the workflow's assignee field")
            for source in t.sources:
                if (t.action, source) in seen:
                    raise ValueError(f"{self.name}: two transitions for {t.action} from {source}")
                seen.add((t.action, source))

    # --- reading the table ------------------------------------------------------------------------
    def states(self) -> list[str]:
        return [v for v, _label in self.model._meta.get_field(self.field).choices]

    def find(self, action, state) -> Transition | None:
        return next((t for t in self.transitions if t.action == action and state in t.sources), None)

    def label(self, action) -> str:
        return str(self.actions(action).label)

    def state_label(self, state) -> str:
        return str(dict(self.model._meta.get_field(self.field).flatchoices).get(state, state))

    def owner_id(self, obj):
        return getattr(obj, f"{self.owner}_id") if self.owner else None

    def assignee_id(self, obj):
        return getattr(obj, f"{self.assignee}_id") if self.assignee else None

    def may(self, t: Transition, obj, *, user, role) -> bool:
        return self.refusal(t, obj, user=user, role=role) is None

    def refusal(self, t: Transition, obj, *, user, role) -> str | None:
        """None when `user` (with `role` in the object's school) may take `t`; else the reason."""
        if t.actor == Actor.SYSTEM:
            return None if user is None else str(t.refusal or self.messages["system_only"])
        forbidden = str((t.refusal if t.actor == Actor.ANYONE else "") or self.messages["forbidden"])
        if user is None or role is None:
            return forbidden
        if not (t.override and role_can(role, t.override)):
            if t.actor == Actor.OWNER and self.owner_id(obj) != user.pk:
                return str(t.refusal or self.messages["owner_only"])
            if t.actor == Actor.NOT_OWNER and self.owner_id(obj) == user.pk:
                return str(t.refusal or self.messages["not_owner"])
            if t.actor == Actor.ASSIGNEE and self.assignee_id(obj) != user.pk:
                return str(t.refusal or self.messages["not_assignee"])
        if not role_can(role, t.permission) or (t.roles is not None and role not in t.roles):
            return forbidden
        return None

    def allowed(self, obj, *, user, role) -> set[str]:
        """The actions `user` may take on `obj` now (for the buttons; the step checks again).

        `role` is the user's role in the object's school, e.g. `request.role` on a page."""
        state = getattr(obj, self.field)
        return {
            t.action
            for t in self.transitions
            if state in t.sources and t.actor != Actor.SYSTEM and self.may(t, obj, user=user, role=role)
        }

    # --- applying a transition ------------------------------------------------------------------
    @contextlib.contextmanager
    def step(self, obj, action, *, by, comment: str = "", seen_status: str | None = None, cascade=False):
        """Check and apply `action` on `obj` by `by` (a user, or None for a system transition).

        Yields a `Step` whose `obj` is the fresh (locked) row; the service sets its own fields with
        `step.set(...)`, may pick the target with `step.go_to(...)`, adds history data to
        `step.data` and notifications with `step.notify(...)`. `cascade=True` is for a step another
        checked step causes in the same transaction (the repair that marks its asset 维修中): the
        state is checked, the person was checked by the outer step.
        """
        with transaction.atomic():
            current = self._load(obj)
            role = None if by is None else role_of(current.school_id, by)
            if seen_status and getattr(current, self.field) != seen_status:
                raise ValidationError(self._stale_message(current))
            t = self._check(current, action, by=by, role=role, cascade=cascade)
            step = Step(self, current, t, by=by, role=role, comment=(comment or "").strip())
            yield step
            step._finish()
        if obj is not step.obj and isinstance(obj, self.model):
            _copy_fields(step.obj, obj)

    def apply(self, obj, action, *, by, comment="", seen_status=None, target=None, cascade=False):
        """A transition with no effects of its own beyond the state (and the history)."""
        with self.step(obj, action, by=by, comment=comment, seen_status=seen_status, cascade=cascade) as s:
            if target is not None:
                s.go_to(target)
        return s.obj

    def _load(self, obj):
        qs = self.model._default_manager.all()
        if self.lock == Lock.ROW:
            qs = qs.select_for_update()
        return qs.get(pk=obj.pk)

    def _check(self, obj, action, *, by, role, cascade) -> Transition:
        state = getattr(obj, self.field)
        t = self.find(action, state)
        if t is None:
            if action not in self.actions.values:
                raise KeyError(f"{self.name}: unknown action {action!r}")
            own = next((x.wrong_state for x in self.transitions if x.action == action and x.wrong_state), "")
            if own:
                raise ValidationError(str(own) % self._format_args(obj, action))
            raise ValidationError(self.message("wrong_state", obj, action))
        if not cascade:
            reason = self.refusal(t, obj, user=by, role=role)
            if reason is not None:
                raise ValidationError(reason % self._format_args(obj, action) if "%(" in reason else reason)
        return t

    def message(self, key, obj, action, **extra) -> str:
        return str(self.messages[key]) % {**self._format_args(obj, action), **extra}

    def _format_args(self, obj, action):
        return {
            "obj": str(obj),
            "status": self.state_label(getattr(obj, self.field)),
            "action": self.label(action) if action in self.actions.values else action,
        }

    def last_step(self, obj):
        """(who, what) of the latest transition in the change log: who acted first, for the refusal."""
        from .audit import history_for
        from .models import display_name

        entry = history_for(obj).filter(action=ChangeAction.TRANSITION).order_by("-at", "-id").first()
        if entry is None:
            return "", ""
        who = display_name(entry.user) if entry.user else _("系统")
        if entry.transition in self.actions.values:
            what = self.label(entry.transition)
        else:
            what = self.state_label((entry.after or {}).get(self.field, ""))
        return who, what

    def _stale_message(self, obj) -> str:
        who, what = self.last_step(obj)
        return str(self.messages["stale"]) % {
            "who": who,
            "what": what,
            "obj": str(obj),
            "status": self.state_label(getattr(obj, self.field)),
            "action": "",
        }


@dataclass
class Step:
    """One transition being applied: the service's handle inside `Workflow.step`."""

    workflow: Workflow
    obj: models.Model
    transition: Transition
    by: object
    role: str | None
    comment: str = ""
    data: dict = field(default_factory=dict)  # extra detail for the app's history row
    source: str = ""
    target: str = ""
    changed: list = field(default_factory=list)
    initial: dict = field(default_factory=dict)

    def __post_init__(self):
        self.source = getattr(self.obj, self.workflow.field)
        self.target = self.transition.target if isinstance(self.transition.target, str) else ""
        self.initial = {f.attname: getattr(self.obj, f.attname) for f in self.obj._meta.concrete_fields}

    @property
    def action(self) -> str:
        return self.transition.action

    def go_to(self, target) -> None:
        if target not in self.transition.targets:
            raise ValueError(f"{self.workflow.name}: {self.action} cannot go to {target!r}")
        self.target = target

    def set(self, **values) -> None:
        """Set the step's own fields on the object; they are saved and logged with the move."""
        for name, value in values.items():
            if name == self.workflow.field:
                raise ValueError("the engine sets the status: use go_to()")
            setattr(self.obj, name, value)
            if name not in self.changed:
                self.changed.append(name)

    def notify(self, **kwargs) -> None:
        from .notifications import notify

        transaction.on_commit(lambda: notify(**kwargs), robust=True)

    def on_commit(self, fn) -> None:
        transaction.on_commit(fn)

    def _finish(self):
        wf, obj = self.workflow, self.obj
        if not self.target:
            raise ValueError(f"{wf.name}: {self.action} must choose its target with go_to()")
        fields = [wf.field, *self.changed]
        before = {wf.field: self.source, **_before_of(obj, self.changed, self.initial)}
        setattr(obj, wf.field, self.target)
        if wf.lock == Lock.CONDITIONAL:
            values = {f: getattr(obj, obj._meta.get_field(f).attname) for f in fields}
            updated = wf.model._default_manager.filter(pk=obj.pk, **{wf.field: self.source}).update(
                **{obj._meta.get_field(f).attname: v for f, v in values.items()}
            )
            if not updated:
                fresh = wf.model._default_manager.get(pk=obj.pk)
                if getattr(fresh, wf.field) != self.source:
                    raise ValidationError(wf._stale_message(fresh))
        else:
            obj.save(update_fields=fields)
        if wf.history is not None:
            wf.history(self)
        record_change(
            obj=obj,
            by=self.by,
            action=ChangeAction.TRANSITION,
            before=before,
            after=snapshot(obj, fields=fields),
            reason=self.comment,
            transition=self.action,
        )


def _before_of(obj, names, initial) -> dict:
    """The values the step's own fields had before it, as the change log stores them."""
    fields = [obj._meta.get_field(name) for name in names]
    return {f.name: jsonable(initial.get(f.attname)) for f in fields}


def _copy_fields(source, target):
    for f in source._meta.concrete_fields:
        setattr(target, f.attname, getattr(source, f.attname))


def workflows() -> list[Workflow]:
    """Every declared workflow (the registry imports each app's workflows.py at start-up)."""
    return list(WORKFLOWS.values())
