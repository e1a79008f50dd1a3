"""docs/operations.md and docs/cost-model.md are checked against the template and the cost model."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.infra.conftest import resources_of

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_the_restore_runbook_names_real_tables_all_with_pitr(templates: dict[str, Any]) -> None:
    text = (DOCS / "operations.md").read_text()
    for stage, template in templates.items():
        tables = resources_of(template, "AWS::DynamoDB::Table")
        for table in tables.values():
            assert table["Properties"]["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
        named = set(re.findall(r"`([A-Z][A-Za-z]*Table)`", text))
        assert named == set(tables), "the runbook's table list must match the template"
        if stage == "prod":
            names = {t["Properties"]["TableName"] for t in tables.values()}
            assert set(re.findall(r"`(marktplatz-prod-[a-z-]+)`", text)) <= names
            assert all(t["DeletionPolicy"] == "Retain" and t["Properties"]["DeletionProtectionEnabled"]
                       for t in tables.values())
    logical = {t["Properties"]["TableName"].removeprefix("marktplatz-prod-")
               for t in resources_of(templates["prod"], "AWS::DynamoDB::Table").values()}
    assert set(re.findall(r"--table ([a-z-]+)", text)) <= logical


def test_the_cost_document_shows_what_the_model_computes() -> None:
    from infra.cost import table

    assert table() in (DOCS / "cost-model.md").read_text()
