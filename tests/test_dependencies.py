"""Dependencies: one lock file, every line pinned, installed by `make build`, with safe versions."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata

from packaging.requirements import Requirement
from packaging.version import Version

from tests.conftest import ROOT

LOCK = ROOT / "requirements.lock"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([0-9][0-9A-Za-z.+!-]*)$")


def pins() -> dict[str, Version]:
    out = {}
    for number, line in enumerate(LOCK.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        found = PIN.match(line)
        assert found, f"requirements.lock:{number}: {line!r} is not pinned as name==version"
        name = found.group(1).lower().replace("_", "-")
        assert name not in out, f"requirements.lock:{number}: {name} is pinned twice"
        out[name] = Version(found.group(2))
    return out


def test_every_line_of_the_lock_file_is_an_exact_pin():
    assert len(pins()) > 20


def test_safe_and_compatible_versions_are_pinned():
    locked = pins()
    assert locked["weasyprint"] >= Version("70"), "WeasyPrint 70+ has the recent security fixes"
    assert Version("1.6") <= locked["mkdocs"] < Version("2"), "MkDocs 2 drops plugins"
    assert locked["mkdocs-macros-plugin"] >= Version("1.5")


def test_the_lock_satisfies_every_declared_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    declared = project["project"]["dependencies"] + [
        req for group in project.get("dependency-groups", {}).values() for req in group if isinstance(req, str)
    ]
    locked = pins()
    for line in declared:
        req = Requirement(line)
        name = req.name.lower().replace("_", "-")
        assert name in locked, f"{req.name} is declared in pyproject.toml but not pinned in requirements.lock"
        assert locked[name] in req.specifier, f"{name}=={locked[name]} does not satisfy {line!r}"


def test_make_build_installs_the_lock_file():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"pip install [^\n]*-r requirements\.lock", makefile)
    assert re.search(r"^build: .*setup", makefile, re.M), "make build depends on the install step"


def test_the_environment_running_the_tests_is_the_locked_one():
    for name, version in pins().items():
        try:
            installed = Version(metadata.version(name))
        except metadata.PackageNotFoundError:
            raise AssertionError(f"{name} is in requirements.lock but not installed: run make setup") from None
        assert installed == version, f"{name} {installed} is installed, requirements.lock says {version}"
