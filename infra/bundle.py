"""The Lambda zip: our code, Chalice's runtime file, and the runtime dependencies the Lambda runtime lacks.

Chalice would `pip install -r requirements.txt` into the zip, botocore included (pynamodb depends on it): 27 MB.
The Lambda Python runtime already ships boto3 and its dependencies in /var/runtime, so we add an explicit closure of
what is missing, each wheel built for Lambda (manylinux2014 x86_64, CPython 3.11: glibc 2.17 runs on Amazon Linux 2
and 2023), unpacked with `--no-deps` semantics, and optionally compiled to .pyc (the task root is read-only, so
without them every cold start compiles every imported module again).
"""

from __future__ import annotations

import io
import os
import py_compile
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
WHEEL_CACHE = ROOT / ".local" / "lambda-wheels"
PYTHON_VERSION = "3.11"
PLATFORM = "manylinux2014_x86_64"

# In the python3.11/3.12 runtimes' /var/runtime next to boto3 (AWS: "Runtime-included SDK versions"); never bundled.
RUNTIME_PROVIDED = {"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3"}
RUNTIME_TOP_LEVEL = ["boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six.py", "urllib3"]
# Never in the zip, whatever pulls them in: image/test/local-only tools the issue names.
FORBIDDEN = {"pillow", "pytest", "moto", "localstripe", "aiohttp", "chalice"}

DROP_DIRS = {"__pycache__", "tests", "test"}
# Never imported at run time: stripe's 8 MB of request-parameter TypedDicts are imported only under
# `if TYPE_CHECKING:`, Powertools' own HTTP router is unused (Chalice routes; the logger is all we use), and the
# admin CLI runs on the operator's machine.
# pycountry's 22 MB of translations and its language/subdivision tables: schwifty looks up countries by code
# (iso3166-1) and nothing else. schwifty's bank registries of countries outside SEPA: a retailer's payout account
# must be in the SEPA zone (chalicelib/settlement/accounts.py refuses others), so those banks are never looked up.
NOT_SHIPPED = ("stripe/params/", "aws_lambda_powertools/event_handler/", "chalicelib/cli/", "cffi/",
               "pycountry/locales/", "pycountry/databases/iso3166-2", "pycountry/databases/iso3166-3",
               "pycountry/databases/iso639", "pycountry/databases/iso15924", "pycountry/databases/iso4217",
               *(f"schwifty/bank_registry/{source}_{country}." for source in ("generated", "manual")
                 for country in ("ae", "ba", "cr", "ge", "il", "kz", "pk", "sa", "tr", "ua")))
# cryptography's Rust extension loads only cffi's compiled `_cffi_backend`; the `cffi` Python package and its C
# parser (pycparser) build bindings, which happened when the wheel was made.
BUILD_ONLY = {"pycparser"}
# Of Powertools we use the Logger, which needs these two utilities; the others (parser, idempotency, data classes,
# parameters, ...) are ~0.3 MB zipped that no domain imports (tests/infra/test_bundle.py keeps it that way).
POWERTOOLS_UTILITIES = "aws_lambda_powertools/utilities/"
POWERTOOLS_UTILITIES_KEPT = {"jmespath_utils", "typing", "__init__.py"}
# Warmed by the first requests of a cold Lambda besides `import app`; their modules get .pyc files too.
COLD_PATH_IMPORTS = ["stripe", "qrcode", "png", "aws_lambda_powertools.logging",
                     "cryptography.hazmat.primitives.asymmetric.ed25519", "chalicelib.core.logs"]
DROP_SUFFIXES = (".pyi", ".pyc", ".c", ".h", ".pxd")
# Taken as their pure-Python wheel: charset-normalizer's binary wheel adds mypyc twins of its .py files (0.2 MB)
# for a code path requests reaches only for responses without a declared charset.
PURE_PYTHON = {"charset-normalizer"}
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # reproducible zips: same inputs, same bytes


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _lambda_marker_env() -> dict[str, str]:
    return {"python_version": PYTHON_VERSION, "python_full_version": f"{PYTHON_VERSION}.0", "sys_platform": "linux",
            "platform_system": "Linux", "platform_machine": "x86_64", "os_name": "posix",
            "implementation_name": "cpython", "platform_python_implementation": "CPython", "extra": ""}


def requirements() -> list[Requirement]:
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    return [Requirement(line.split("#")[0].strip()) for line in lines if line.split("#")[0].strip()]


def closure() -> dict[str, str]:
    """name -> version of every distribution the zip needs, pinned to what this environment has installed."""
    env = _lambda_marker_env()
    pins: dict[str, str] = {}
    todo = list(requirements())
    while todo:
        req = todo.pop()
        name = _norm(req.name)
        if name in pins or name in RUNTIME_PROVIDED or name in BUILD_ONLY:
            continue
        if req.marker is not None and not req.marker.evaluate(env):
            continue
        if name in FORBIDDEN:
            raise ValueError(f"{name} must not be in the Lambda bundle")
        dist = metadata.distribution(req.name)
        pins[name] = dist.version
        for dep in dist.requires or []:
            dep_req = Requirement(dep)
            if dep_req.marker is not None and not Marker(str(dep_req.marker)).evaluate(env):
                continue
            todo.append(dep_req)
    return dict(sorted(pins.items()))


def _cached_wheel(name: str, version: str) -> Path | None:
    prefix = f"{name.replace('-', '_')}-{version}-"
    for wheel in WHEEL_CACHE.glob("*.whl"):
        if wheel.name.lower().startswith(prefix.lower()):
            if name in PURE_PYTHON and not wheel.name.endswith("-none-any.whl"):
                continue
            return wheel
    return None


def fetch_wheels(pins: dict[str, str]) -> list[Path]:
    """Lambda-platform wheels for the closure: from the cache, else one `pip download --no-deps` for the rest."""
    WHEEL_CACHE.mkdir(parents=True, exist_ok=True)
    missing = [(n, v) for n, v in pins.items() if _cached_wheel(n, v) is None]
    for pure in (False, True):
        batch = [f"{n}=={v}" for n, v in missing if (n in PURE_PYTHON) is pure]
        if not batch:
            continue
        target = ["--platform", "any", "--implementation", "py", "--abi", "none"] if pure else [
            "--platform", PLATFORM, "--implementation", "cp"]
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                        "--python-version", PYTHON_VERSION, *target, "--dest", str(WHEEL_CACHE), *batch],
                       check=True)
    wheels = []
    for name, version in pins.items():
        wheel = _cached_wheel(name, version)
        if wheel is None:
            raise RuntimeError(f"no Lambda wheel for {name}=={version}")
        wheels.append(wheel)
    return wheels


def _keep(rel: str) -> bool:
    if rel.startswith(NOT_SHIPPED):
        return False
    if rel.startswith(POWERTOOLS_UTILITIES) and rel[len(POWERTOOLS_UTILITIES):].split("/")[0] not in \
            POWERTOOLS_UTILITIES_KEPT:
        return False
    parts = rel.split("/")
    if any(p in DROP_DIRS for p in parts[:-1]):
        return False
    return not rel.endswith(DROP_SUFFIXES)


def build(app_zip: Path, out: Path, *, pyc: bool = True) -> dict[str, object]:
    """`app_zip` is Chalice's deployment.zip built without requirements (app code + Chalice runtime file)."""
    pins = closure()
    wheels = fetch_wheels(pins)
    with tempfile.TemporaryDirectory(prefix="marktplatz-bundle-") as tmp_name:
        stage = Path(tmp_name) / "bundle"
        stage.mkdir()
        for archive in (app_zip, *wheels):
            with zipfile.ZipFile(archive) as z:
                for member in z.namelist():
                    if _keep(member) and not member.endswith("/RECORD"):
                        z.extract(member, stage)
        stripped = _strip_symbols(stage)
        compiled = _compile_cold_path(stage) if pyc else 0
        data = _zip_dir(stage)
    out.write_bytes(data)
    return {"bytes": len(data), "packages": pins, "pyc_files": compiled, "stripped_libraries": stripped}


def _strip_symbols(stage: Path) -> int:
    """Wheels ship their extension modules with symbol tables (0.5 MB zipped for cryptography alone); Lambda never
    reads them. binutils' `strip` where present, else infra/elf.py blanks them (same zipped size)."""
    from infra.elf import blank_symbols

    strip = shutil.which("strip")
    libraries = sorted(stage.rglob("*.so"))
    for lib in libraries:
        if strip:
            subprocess.run([strip, "--strip-unneeded", str(lib)], check=True)
        else:
            blank_symbols(lib)
    return len(libraries)


def runtime_site(folder: Path) -> Path:
    """A folder standing in for Lambda's /var/runtime: boto3 and its dependencies from this environment."""
    folder.mkdir(parents=True, exist_ok=True)
    import botocore

    site = Path(botocore.__file__).resolve().parent.parent
    for name in RUNTIME_TOP_LEVEL:
        if (site / name).exists() and not (folder / name).exists():
            (folder / name).symlink_to(site / name)
    return folder


def isolated_python(task_root: Path, runtime: Path, code: str) -> str:
    """Run `code` in a fresh interpreter that sees only the stdlib, the bundle and the runtime's packages."""
    prelude = f"import sys; sys.path[:0] = [{str(task_root)!r}, {str(runtime)!r}]\n"
    env = {"PATH": os.environ.get("PATH", ""), "MARKTPLATZ_MODE": "aws", "AWS_DEFAULT_REGION": "eu-central-1"}
    # -I -S: no site-packages at all (a venv's would hide a missing dependency); -B: the task root is read-only
    done = subprocess.run([sys.executable, "-I", "-S", "-B", "-c", prelude + code], env=env, check=True,
                          capture_output=True, text=True)
    return done.stdout


def _compile_cold_path(stage: Path) -> int:
    """.pyc only for modules a cold start imports: all of them would add MBs for code that rarely runs."""
    with tempfile.TemporaryDirectory(prefix="marktplatz-runtime-") as tmp:
        runtime = runtime_site(Path(tmp))
        code = ("import importlib, sys\nimport app\n"
                f"for m in {COLD_PATH_IMPORTS!r}:\n    importlib.import_module(m)\n"
                "print('\\n'.join(sorted({getattr(m, '__file__', None) or '' for m in list(sys.modules.values())})))")
        files = [Path(f) for f in isolated_python(stage, runtime, code).split() if f.endswith(".py")]
    count = 0
    for path in files:
        if stage in path.parents:
            # unchecked-hash: valid whatever mtimes the zip carries; Python never rewrites them (read-only task root)
            py_compile.compile(str(path), doraise=True,
                                          invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
            count += 1
    return count


def _zip_dir(folder: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for path in sorted(folder.rglob("*")):
            if path.is_dir():
                continue
            rel = path.relative_to(folder).as_posix()
            info = zipfile.ZipInfo(rel, FIXED_TIME)
            info.external_attr = (0o755 if os.access(path, os.X_OK) else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, path.read_bytes(), compresslevel=9)
    return buf.getvalue()


def top_level_names(zip_path: Path) -> set[str]:
    with zipfile.ZipFile(zip_path) as z:
        return {name.split("/")[0] for name in z.namelist()}


def extract(zip_path: Path, dest: Path) -> Path:
    if dest.exists():
        shutil.rmtree(dest)
    with zipfile.ZipFile(zip_path) as z:
        z.extractall(dest)
    return dest
