"""scripts/system-packages.sh, run by `make test`: on a PATH of stand-ins for id, apt-get and the tools.

The stand-ins say who we are (id -u) and record what apt-get was asked; nothing is installed.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "system-packages.sh"
COMMANDS = {
    "bubblewrap": "bwrap",
    "chromium": "chromium",
    "chromium-driver": "chromedriver",
    "coq": "coqc",
    "default-jre-headless": "java",
}


def _tool(folder: Path, name: str, body: str = "exit 0") -> None:
    path = folder / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)


def run_script(
    tmp_path: Path, *, uid: int, present: tuple[str, ...] = (), apt: str | None = "exit 0"
) -> tuple[subprocess.CompletedProcess, list[str]]:
    """The script on a PATH holding only ``id``, ``apt-get`` (unless None) and the ``present`` tools."""
    folder = tmp_path / "bin"
    folder.mkdir()
    _tool(folder, "id", f"echo {uid}")
    log = tmp_path / "apt.log"
    if apt is not None:
        _tool(folder, "apt-get", f'echo "$*" >> {log}\n{apt}')
    for package in present:
        _tool(folder, COMMANDS[package])
    result = subprocess.run(
        [shutil.which("bash"), str(SCRIPT)],
        capture_output=True,
        text=True,
        env={"PATH": str(folder)},
        timeout=30,
    )
    return result, log.read_text().splitlines() if log.exists() else []


def test_nothing_is_done_when_every_tool_is_there(tmp_path):
    result, apt = run_script(tmp_path, uid=0, present=tuple(COMMANDS))
    assert (result.returncode, result.stdout, result.stderr, apt) == (0, "", "", [])


def test_as_root_with_apt_the_missing_packages_are_installed_after_one_update(tmp_path):
    result, apt = run_script(tmp_path, uid=0, present=("bubblewrap", "chromium"))
    assert result.returncode == 0, result.stderr
    assert apt == [
        "update -qq",
        "install -y -qq --no-install-recommends chromium-driver coq default-jre-headless",
    ]


def test_without_root_the_install_command_is_printed_and_the_tests_go_on(tmp_path):
    result, apt = run_script(tmp_path, uid=1000, present=("coq",))
    assert result.returncode == 0 and apt == []
    assert (
        "Install them with: sudo apt-get install --no-install-recommends bubblewrap chromium chromium-driver"
        in result.stderr
    )


def test_without_apt_the_packages_are_named(tmp_path):
    result, _ = run_script(tmp_path, uid=0, apt=None)
    assert result.returncode == 0
    assert "missing: bubblewrap chromium chromium-driver coq default-jre-headless." in result.stderr
    assert "this system's package manager" in result.stderr


def test_a_failed_install_says_so_and_the_tests_go_on(tmp_path):
    result, apt = run_script(tmp_path, uid=0, present=("bubblewrap", "chromium", "coq"), apt="exit 100")
    assert result.returncode == 0 and apt == ["update -qq"]
    assert "apt-get could not install them" in result.stderr
    assert "sudo apt-get install --no-install-recommends chromium-driver" in result.stderr


@pytest.mark.parametrize("package", sorted(COMMANDS))
def test_the_list_lives_in_the_script_only_and_make_test_runs_it(package):
    makefile, ci = (ROOT / "Makefile").read_text(), (ROOT / ".ci" / "run").read_text()
    assert package in SCRIPT.read_text() and package not in ci
    assert "\ntest: $(STAMP) $(VERL_STAMP) system-packages\n" in makefile
    assert "\nsystem-packages:\n\tscripts/system-packages.sh\n" in makefile
    assert "\nbench: $(STAMP)\n" in makefile  # bench needs no system package
    assert "\nmake test\n" in ci
