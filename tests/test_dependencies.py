"""Dependencies: lock files with every pin exact and hashed, resolved from pyproject.toml for the
lowest supported Python, installable on every Python and platform the README promises."""

from __future__ import annotations

import ast
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.version import Version

from tests.conftest import ROOT

LOCKS = ROOT / "requirements"
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
MINIMUM = PROJECT["project"]["requires-python"].removeprefix(">=")
# Debian 12 (the lowest), Ubuntu 24.04 and Debian 13: their own Pythons and C libraries (Debian 13's
# glibc is 2.41; uv knows tags up to 2.40, which it runs too).
PLATFORMS = {"3.11.2": "manylinux_2_36", "3.12.3": "manylinux_2_39", "3.13.5": "manylinux_2_40"}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([0-9][0-9A-Za-z.+!-]*)(?: ; (.+))?$")


def entries(name: str, folder: Path = LOCKS) -> list[tuple[str, Version, str | None, int]]:
    """(name, version, marker, number of hashes) for each requirement of requirements/<name>.txt."""
    text = (folder / name).read_text(encoding="utf-8")
    out = []
    for block in re.split(r"\n(?=\S)", text):
        lines = [line.strip().rstrip("\\").strip() for line in block.splitlines()]
        lines = [line for line in lines if line and not line.startswith("#")]
        if not lines:
            continue
        found = PIN.match(lines[0])
        assert found, f"requirements/{name}: {lines[0]!r} is not pinned as name==version"
        hashes = [line for line in lines[1:] if line.startswith("--hash=sha256:")]
        out.append((canonical(found.group(1)), Version(found.group(2)), found.group(3), len(hashes)))
    return out


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(name: str) -> dict[str, Version]:
    """The pins that apply to the Python running the tests."""
    return {pkg: version for pkg, version, marker, _ in entries(name) if marker is None or Marker(marker).evaluate()}


def test_every_requirement_is_an_exact_pin_with_hashes():
    for name in ("build.txt", "test.txt", "uv.txt"):
        seen = set()
        for pkg, version, _, hashes in entries(name):
            assert hashes, f"requirements/{name}: {pkg}=={version} has no --hash"
            assert pkg not in seen, f"requirements/{name}: {pkg} is pinned twice (one version for every Python)"
            seen.add(pkg)
    assert len(pins("build.txt")) > 20


def test_the_test_lock_holds_the_build_pins_and_the_build_lock_no_test_tools():
    build, test = pins("build.txt"), pins("test.txt")
    for pkg, version in build.items():
        assert test.get(pkg) == version, f"{pkg}: build.txt pins {version}, test.txt {test.get(pkg)}"
    # pikepdf is not here: the build joins PDFs with it
    for tool in ("pytest", "pytest-xdist", "playwright", "pypdf", "hypothesis", "ruff", "mypy"):
        assert tool in test and tool not in build, f"{tool} belongs to make test only"


def test_versions_the_toolchain_needs_are_pinned():
    locked = pins("test.txt")
    assert locked["weasyprint"].major == 70, "the PDF step is written and measured for WeasyPrint 70"
    assert Version("1.6.1") <= locked["mkdocs"] < Version("2"), "MkDocs 2 drops plugins"
    assert locked["mkdocs-macros-plugin"] >= Version("1.5")
    assert locked["pytest"].major == 9


def test_the_locks_satisfy_every_declared_dependency():
    groups = PROJECT["dependency-groups"]
    for lock, declared in (
        ("build.txt", PROJECT["project"]["dependencies"]),
        ("test.txt", PROJECT["project"]["dependencies"] + groups["test"]),
        ("uv.txt", groups["setup"]),
    ):
        locked = pins(lock)
        for line in declared:
            req = Requirement(line)
            name = canonical(req.name)
            assert name in locked, f"{req.name} is declared in pyproject.toml but not pinned in requirements/{lock}"
            assert locked[name] in req.specifier, (
                f"requirements/{lock}: {name}=={locked[name]} does not satisfy {line!r}"
            )


def test_every_module_the_code_imports_is_a_declared_dependency():
    """A package the code imports must be declared, not arrive as another package's dependency."""
    declared = {canonical(Requirement(line).name) for line in PROJECT["project"]["dependencies"]}
    test_declared = declared | {canonical(Requirement(line).name) for line in PROJECT["dependency-groups"]["test"]}
    providers = {canonical(k): v for k, v in metadata.packages_distributions().items()}
    for folder, allowed in (("macros", declared), ("benchmarks", test_declared), ("tests", test_declared)):
        for module in sorted(imported_modules(ROOT / folder)):
            if module in sys.stdlib_module_names or module in {"macros", "tests", "benchmarks"}:
                continue
            if (ROOT / folder / f"{module}.py").exists():
                continue  # a sibling module (benchmarks/synth.py)
            dists = {canonical(d) for d in providers.get(canonical(module), [])}
            assert dists, f"{folder}/ imports {module}, which no installed package provides"
            assert dists & allowed, (
                f"{folder}/ imports {module} ({', '.join(sorted(dists))}): declare it in pyproject.toml"
            )


def imported_modules(folder: Path) -> set[str]:
    """Top-level names of absolute imports in the folder's Python files."""
    found = set()
    for path in folder.rglob("*.py"):
        if "vendor" in path.parts or ".peers" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found


def uv() -> str | None:
    return shutil.which("uv") or next((str(p) for p in [Path(sys.prefix) / "bin" / "uv"] if p.exists()), None)


@pytest.mark.parametrize("python", sorted(PLATFORMS))
@pytest.mark.parametrize("lock", ["build.txt", "test.txt"])
def test_every_pin_installs_on_each_promised_python(tmp_path, python, lock):
    """A wheel for every pin, with a hash the lock names, for each Python and C library promised
    (as `uv pip install --dry-run` sees the index; no source builds)."""
    installer = uv()
    if installer is None:
        pytest.skip("uv is not installed (.venv was made by pip); make setup-test brings it")
    for arch in ("x86_64", "aarch64"):
        result = subprocess.run(
            [installer, "pip", "install", "--dry-run", "--target", str(tmp_path / "t"), "--python-version", python,
             "--python-platform", f"{arch}-{PLATFORMS[python]}", "--only-binary", ":all:", "--require-hashes",
             "-r", str(LOCKS / lock)],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert result.returncode == 0, f"requirements/{lock} on Python {python} {arch}:\n{result.stderr}"


def test_the_lowest_python_is_the_one_the_lock_is_resolved_for():
    for name in ("build.txt", "test.txt"):
        header = (LOCKS / name).read_text(encoding="utf-8").splitlines()[:2]
        assert header[1].strip("# ") == "make lock", f"requirements/{name} is made by make lock"
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "--python-version $(MIN_PYTHON)" in makefile and "requires-python" in makefile
    assert Version(MINIMUM) == Version("3.11.2"), "Debian 12's own Python is the lowest the README promises"


def test_the_locks_are_what_make_lock_makes_from_pyproject(tmp_path):
    """Nobody edited a lock by hand, and pyproject.toml has not changed since make lock: the
    Makefile's own compile commands, run on a copy, pin the same versions."""
    installer = uv()
    if installer is None:
        pytest.skip("uv is not installed (.venv was made by pip); make setup-test brings it")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    compile_options = re.search(r"^COMPILE = .*? (pip compile .*?)\$\(if", makefile, re.M | re.S).group(1)
    compile_options = compile_options.replace("\\\n", " ").replace("$(MIN_PYTHON)", MINIMUM)
    commands = re.findall(r"^\t\$\(COMPILE\) (.*)$", makefile, re.M)
    assert len(commands) == 3
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    shutil.copytree(LOCKS, tmp_path / "requirements")  # the pins make lock keeps
    for command in commands:
        subprocess.run([installer, *shlex.split(compile_options), *shlex.split(command)], cwd=tmp_path, check=True)
    for target in ("build.txt", "test.txt", "uv.txt"):
        # Pins and markers, not hashes: a project may upload another wheel for a pinned version later.
        fresh = {(name, version, marker) for name, version, marker, _ in entries(target, tmp_path / "requirements")}
        locked = {(name, version, marker) for name, version, marker, _ in entries(target)}
        assert fresh == locked, f"requirements/{target} is stale: run make lock ({sorted(fresh ^ locked)})"


def test_the_environment_running_the_tests_is_the_locked_one():
    for name, version in pins("test.txt").items():
        try:
            installed = Version(metadata.version(name))
        except metadata.PackageNotFoundError:
            raise AssertionError(f"{name} is in requirements/test.txt but not installed: run make test") from None
        assert installed == version, f"{name} {installed} is installed, requirements/test.txt says {version}"
