"""Only the workflow engine moves a workflow's status (DESIGN.md rule 2).

A scan of the apps' source: outside logistics/workflow.py nothing assigns a workflow's status field
(`obj.status = ...`, `a.status, a.note = ...`, `setattr(obj, "status", ...)`), updates it in bulk
(`qs.update(status=...)`, `bulk_update(objs, ["status"])`) or saves a row with a new one. Creating a
row in its first state (`Model.objects.create(status=...)`) is not a move and is allowed.
"""

import ast
from pathlib import Path

from django.conf import settings

from logistics.registry import domain_apps
from logistics.workflow import workflows

ENGINE = Path("logistics/workflow.py")
# Template-context dicts take `.update(status=...)` for a page's filter; they are not querysets.
CONTEXT_DICTS = {"ctx", "context"}


def _fields():
    return {wf.field for wf in workflows()}


def _app_sources():
    root = Path(settings.BASE_DIR)
    for config in domain_apps():
        base = Path(config.path)
        for path in sorted(base.rglob("*.py")):
            rel = path.relative_to(root)
            if "migrations" in rel.parts or rel == ENGINE:
                continue
            yield rel, path.read_text(encoding="utf-8")


def _assigned_attributes(target):
    if isinstance(target, ast.Attribute):
        yield target.attr
    elif isinstance(target, ast.Tuple | ast.List):
        for element in target.elts:
            yield from _assigned_attributes(element)


def _receiver_name(call):
    value = call.func.value if isinstance(call.func, ast.Attribute) else None
    return value.id if isinstance(value, ast.Name) else None


def _findings(tree, fields):
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for attr in _assigned_attributes(target):
                    if attr in fields:
                        yield node.lineno, f"assigns .{attr}"
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name == "update" and _receiver_name(node) not in CONTEXT_DICTS:
            for kw in node.keywords:
                if kw.arg in fields:
                    yield node.lineno, f"update({kw.arg}=...)"
        if name == "bulk_update" and len(node.args) > 1:
            named = {c.value for c in ast.walk(node.args[1]) if isinstance(c, ast.Constant)}
            for field in named & fields:
                yield node.lineno, f"bulk_update(..., [{field!r}])"
        if name == "setattr" and len(node.args) > 1:
            arg = node.args[1]
            if isinstance(arg, ast.Constant) and arg.value in fields:
                yield node.lineno, f"setattr(..., {arg.value!r})"


def test_only_the_engine_moves_a_status():
    fields = _fields()
    assert fields, "no workflow is declared"
    found = [
        f"{rel}:{line}: {what}"
        for rel, source in _app_sources()
        for line, what in _findings(ast.parse(source), fields)
    ]
    assert not found, "a status moved outside logistics/workflow.py:\n" + "\n".join(found)


def test_the_scan_catches_every_way_of_moving_a_status():
    source = """
obj.status = "done"
a.status, a.note = "done", "ok"
Model.objects.filter(pk=1).update(status="done")
qs.update(note="x", status="done")
Model.objects.bulk_update(rows, ["note", "status"])
setattr(obj, "status", "done")
ctx.update(status="open")
Model.objects.create(status="open")
"""
    found = [line for line, _what in _findings(ast.parse(source), {"status"})]
    assert found == [2, 3, 4, 5, 6, 7]
