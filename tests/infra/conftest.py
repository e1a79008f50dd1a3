"""Templates packaged once per test session (offline: no pip, no network, no AWS credentials)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    from infra.package import package

    out = tmp_path_factory.mktemp("infra-out")
    return {stage: json.loads(package(stage, out / stage, bundle=False).read_text()) for stage in ("dev", "prod")}


@pytest.fixture(scope="session")
def template_paths(templates: dict[str, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("infra-json")
    paths = {}
    for stage, template in templates.items():
        paths[stage] = out / f"{stage}.json"
        paths[stage].write_text(json.dumps(template))
    return paths


def resources_of(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}
