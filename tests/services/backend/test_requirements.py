"""The image installs exactly services/backend/requirements.txt, so it must be a lock."""

from importlib.metadata import distribution

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.services.support import BACKEND


def read_pins() -> dict[str, str]:
    pins = {}
    for line in (BACKEND / "requirements.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version.strip()
    return pins


def test_every_backend_requirement_is_pinned_with_double_equals():
    assert all(read_pins().values())


def test_the_backend_requirements_pin_every_package_they_pull_in():
    pins = read_pins()
    unpinned = {
        f"{name} needs {canonicalize_name(requirement.name)}"
        for name in pins
        for requirement in map(Requirement, distribution(name).requires or [])
        if not requirement.marker or requirement.marker.evaluate({"extra": ""})
        if canonicalize_name(requirement.name) not in pins
    }

    assert unpinned == set()


def test_the_tested_packages_are_the_pinned_versions():
    pins = read_pins()

    installed = {name: distribution(name).version for name in pins}

    assert installed == pins
