"""Every code the app stores and shows has a translated label (pakta/labels.py)."""

import ast
from pathlib import Path

import pytest
from flask_babel import force_locale

import pakta
from pakta import labels
from pakta.models import RevocationAction, SignatureMethod

SOURCE = Path(pakta.__file__).parent
# The audit helpers called with positional arguments: where their action and kind sit
# (views' record(action, target_type, ...), record_failure(action, ...) and the commands'
# audit_import(session, ...)).
POSITIONS = {"record": (0, 1), "record_failure": (0, None), "audit_import": (1, 2)}


def _strings(node: ast.expr | None) -> set[str]:
    """The codes an argument can be: a literal, or f"certificate.{...action...}"."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.JoinedStr):
        prefix = "".join(part.value for part in node.values if isinstance(part, ast.Constant))
        assert prefix == "certificate.", ast.unparse(node)
        return {prefix + action.value for action in RevocationAction}
    return set()


def _arguments(call: ast.Call, name: str) -> tuple[ast.expr | None, ast.expr | None]:
    given = {keyword.arg: keyword.value for keyword in call.keywords}
    if "action" in given:  # audit.record(session, actor=..., action=..., target_type=...)
        return given["action"], given.get("target_type")
    action_at, kind_at = POSITIONS[name]
    return call.args[action_at], None if kind_at is None else call.args[kind_at]


def audit_codes() -> tuple[set[str], set[str]]:
    """Every action and record kind passed to the audit helpers anywhere in pakta/."""
    actions, kinds = set(), set()
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if name not in POSITIONS or not (node.args or node.keywords):
                continue
            action, kind = _arguments(node, name)
            actions |= _strings(action)
            kinds |= _strings(kind)
    return actions, kinds


def test_the_source_scan_finds_the_audit_codes_it_must():
    actions, kinds = audit_codes()
    assert {"auth.login", "certificate.revoke", "roster.import", "campaign.update_pact"} <= actions
    assert {"signature", "unit", "roster"} <= kinds
    assert len(actions) >= 20


def test_every_audit_action_and_record_kind_in_the_code_has_a_label():
    actions, kinds = audit_codes()
    assert actions - set(labels.AUDIT_ACTIONS) == set()
    assert kinds - set(labels.AUDIT_OBJECTS) == set()


def test_every_signing_method_has_a_label():
    assert set(labels.SIGNING_METHODS) == {method.value for method in SignatureMethod}


@pytest.mark.parametrize(
    "table", [labels.SIGNING_METHODS, labels.AUDIT_ACTIONS, labels.AUDIT_OBJECTS]
)
def test_every_label_is_translated_into_indonesian(app, table):
    with app.app_context():
        with force_locale("en"):
            english = {code: str(label) for code, label in table.items()}
        with force_locale("id"):
            untranslated = [code for code, label in table.items() if str(label) == english[code]]
    assert untranslated == []
