"""`python -m infra.package --stage prod`: the CloudFormation (SAM) template and the Lambda zip, offline.

    1. merge template from the code (infra/template.py) and the role policy (infra/access.py),
    2. `chalice package --merge-template` on a copy of the app without requirements.txt (app code only: no pip,
       no network, no AWS credentials),
    3. the slim Lambda bundle (infra/bundle.py) replaces Chalice's deployment.zip (unless --template-only).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from infra import stages
from infra.template import function_names, merge_template, policy_document

ROOT = Path(__file__).resolve().parent.parent
COPIED = ["app.py", "chalicelib"]

# chalice package needs a region and credentials-shaped values; it makes no AWS call.
OFFLINE_ENV = {"AWS_DEFAULT_REGION": "eu-central-1", "AWS_REGION": "eu-central-1",
               "AWS_ACCESS_KEY_ID": "offline", "AWS_SECRET_ACCESS_KEY": "offline", "AWS_EC2_METADATA_DISABLED": "true"}


def load_app():
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from app import app

    return app


def _project_copy(tmp: Path, stage: stages.Stage, app) -> Path:
    project = tmp / "project"
    project.mkdir()
    for name in COPIED:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, project / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(src, project / name)
    (project / ".chalice").mkdir()
    # One role per function, each with its own policy file (Chalice's per-function `iam_policy_file`).
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    functions = config["stages"][stage.name].setdefault("lambda_functions", {})
    for name in function_names(app):
        policy_file = f"policy-{stage.name}-{name}.json"
        (project / ".chalice" / policy_file).write_text(json.dumps(policy_document(app, stage, name), indent=1))
        functions.setdefault(name, {})["iam_policy_file"] = policy_file
    (project / ".chalice" / "config.json").write_text(json.dumps(config, indent=2))
    return project


def package(stage_name: str, out: Path, *, bundle: bool = True, pyc: bool = True) -> Path:
    """Writes `<out>/sam.json` (and `<out>/deployment.zip`); returns the template path."""
    stage = stages.get(stage_name)
    app = load_app()
    out = out.resolve()
    if out.exists():
        shutil.rmtree(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="marktplatz-package-") as tmp_name:
        tmp = Path(tmp_name)
        project = _project_copy(tmp, stage, app)
        merge = tmp / "merge.json"
        merge.write_text(json.dumps(merge_template(app, stage), indent=1))
        chalice = Path(sys.executable).with_name("chalice")
        env = {**os.environ, **OFFLINE_ENV}
        subprocess.run([str(chalice), "--project-dir", str(project), "package", "--stage", stage.name,
                        "--merge-template", str(merge), "--template-format", "json", str(out)],
                       check=True, env=env, stdout=subprocess.DEVNULL)
        shutil.copy2(merge, out / "merge.json")
    if bundle:
        from infra.bundle import build

        build(out / "deployment.zip", out / "deployment.zip", pyc=pyc)
    return out / "sam.json"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stage", default="dev", choices=sorted(stages.STAGES))
    parser.add_argument("--out", type=Path, default=None, help="output folder (default infra/out/<stage>)")
    parser.add_argument("--template-only", action="store_true", help="skip the Lambda bundle (no wheels needed)")
    parser.add_argument("--no-pyc", action="store_true", help="ship sources only")
    args = parser.parse_args(argv)
    out = args.out or ROOT / "infra" / "out" / args.stage
    template = package(args.stage, out, bundle=not args.template_only, pyc=not args.no_pyc)
    print(template)
    if not args.template_only:
        zipped = out / "deployment.zip"
        print(f"{zipped} {zipped.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
