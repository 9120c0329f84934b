"""Imports point one way: the domain apps use inference/; inference/ imports no domain app."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOMAIN_APPS = ("wardrobe", "accounts")


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules.add(node.module)
    return modules


def test_inference_imports_no_domain_app():
    offenders = {
        str(path.relative_to(ROOT)): sorted(m for m in imported_modules(path) if m.split(".")[0] in DOMAIN_APPS)
        for path in (ROOT / "inference").rglob("*.py")
    }
    assert {path: found for path, found in offenders.items() if found} == {}


def test_the_check_sees_a_domain_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from wardrobe.models import Item\n")
    assert "wardrobe.models" in imported_modules(sample)
