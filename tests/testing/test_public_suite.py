"""``palaestra.testing``: a plugin's envs get the project's conformance checks in one line, and a broken
env fails them with a message that says what is wrong."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from palaestra.core.conformance import CHECKS
from palaestra.core.registry import EnvEntry
from palaestra.testing import CHECK_NAMES, ConformanceError, check_env_id, conformance_tests, run_check

WORKTREE = Path(__file__).resolve().parents[2]

# A plugin package of four envs: one that keeps the contract and three that each break it once.
BROKEN_PLUGIN = '''
"""Counting games, three of them broken on purpose."""

import random
import subprocess
import sys

from palaestra.core import ActionError, TextEnv, register_env


class Count(TextEnv):
    """Count three steps up from a start drawn from the seed, with 'inc'."""

    def _new_episode(self, options):
        self.start = self.count = self._first()

    def _first(self):
        return int(self.np_random.integers(1000))

    def _parse(self, text):
        if text != "inc":
            raise ActionError("say inc")
        return 1

    def _advance(self, action):
        self.count += action
        return 1.0, self.count >= self.start + 3

    def _describe(self):
        return f"count {self.count}"

    def _instructions(self):
        return "Send <action>inc</action> to add one; the episode ends three above the start."

    def _state_bytes(self):
        return self.count.to_bytes(2, "little")

    def _outcome(self):
        done = self.count - self.start
        return done >= 3, min(1.0, done / 3)

    def valid_actions(self):
        return ["inc"]


class Unseeded(Count):
    def _first(self):
        return int(random.random() * 1000)  # the global generator: not the seed's


class Raising(Count):
    def _parse(self, text):
        return int(text.strip("inc") or 1)  # a ValueError on anything but a number or inc


class Asserting(Count):
    def _parse(self, text):
        assert text == "inc", "only inc is a move"  # an assert is no ActionError either
        return 1


class Leaky(Count):
    def _new_episode(self, options):
        super()._new_episode(options)
        if not hasattr(self, "child"):  # started, never closed
            self.child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(15)"])


for name in ("Count", "Unseeded", "Raising", "Asserting", "Leaky"):
    register_env(
        f"{name}-Text-v0", f"countplug:{name}", family="counting", summary="count", max_episode_steps=10
    )
'''


@pytest.fixture
def broken_plugin(tmp_path, plugin_path):
    (tmp_path / "countplug.py").write_text(BROKEN_PLUGIN)
    plugin_path(tmp_path)
    return tmp_path


def test_an_env_that_keeps_the_contract_passes_every_check(broken_plugin):
    check_env_id("countplug:Count-Text-v0")


def test_a_non_deterministic_env_is_told_which_check_failed_and_why(broken_plugin):
    with pytest.raises(ConformanceError) as failure:
        run_check("countplug:Unseeded-Text-v0", "determinism")
    message = str(failure.value)
    assert message.startswith(
        "countplug:Unseeded-Text-v0 fails the conformance check 'determinism': trajectory with seed 7"
    )
    assert "the check asks: Same seed and same actions give identical observations" in message
    assert "see the checklist in docs/adding-an-env.md, item 'determinism'" in message


def test_an_env_that_raises_on_bad_input_is_shown_where_and_how_to_fix_it(broken_plugin):
    with pytest.raises(ConformanceError) as failure:
        run_check("countplug:Raising-Text-v0", "garbage is safe")
    message = str(failure.value)
    assert "fails the conformance check 'garbage is safe': it raised ValueError: invalid literal" in message
    assert "countplug.py" in message and "in _parse" in message  # the env's own line that raised
    assert "fix: nothing an agent writes may raise: _parse raises ActionError" in message


def test_an_assert_in_the_env_is_told_apart_from_a_failed_check(broken_plugin):
    with pytest.raises(ConformanceError) as failure:
        run_check("countplug:Asserting-Text-v0", "garbage is rejected")
    message = str(failure.value)
    assert "'garbage is rejected': it raised AssertionError: only inc is a move\nwhere:" in message
    assert "in _parse" in message


def test_check_env_id_reports_every_failed_check_at_once(broken_plugin):
    with pytest.raises(ConformanceError, match=r"^\d+ of 10 checks failed") as failure:
        check_env_id("countplug:Raising-Text-v0")
    assert "'garbage is safe'" in str(failure.value) and "'garbage is rejected'" in str(failure.value)


def test_unknown_checks_and_unimportable_plugins_are_named(broken_plugin):
    with pytest.raises(ValueError, match="unknown check 'speed'; the checks are: gymnasium check_env"):
        run_check("countplug:Count-Text-v0", "speed")
    with pytest.raises(ConformanceError, match="importing 'nosuchplugin', which registers X-Text-v0, failed"):
        run_check("nosuchplugin:X-Text-v0", "determinism")


def test_conformance_tests_is_one_test_per_id_and_check():
    test = conformance_tests("Snake-Text-v0", "pkg:Maze-Text-v0")
    (mark,) = test.pytestmark
    assert mark.name == "parametrize" and mark.args[0] == ("env_id", "check")
    assert len(mark.args[1]) == 2 * len(CHECKS) and CHECK_NAMES == tuple(CHECKS)
    assert "Maze-Text-v0-vector-envs-sync-async" in mark.kwargs["ids"]
    with pytest.raises(ValueError, match="at least one env id"):
        conformance_tests()


def test_an_id_whose_extra_is_missing_is_skipped_with_the_install_command(monkeypatch):
    monkeypatch.setattr(EnvEntry, "missing_requirement", lambda self: "pip install 'palaestra[babyai]'")
    test = conformance_tests("Snake-Text-v0")
    with pytest.raises(pytest.skip.Exception, match=r"pip install 'palaestra\[babyai\]'"):
        test("Snake-Text-v0", "determinism")


@pytest.mark.slow
def test_in_a_plugins_own_tests_broken_envs_fail_with_readable_messages(broken_plugin):
    (broken_plugin / "test_counting.py").write_text(
        textwrap.dedent(
            """
            from palaestra.testing import conformance_tests

            test_conformance = conformance_tests(
                "countplug:Count-Text-v0", "countplug:Unseeded-Text-v0", "countplug:Raising-Text-v0",
                "countplug:Leaky-Text-v0",
            )
            """
        )
    )
    chosen = "Count-Text-v0-determinism or Unseeded and determinism or Raising and safe or Leaky and close"
    run = subprocess.run(
        # -rN: no short summary, which repeats each report in full where CI is set (pytest >= 8)
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rN", "-k", chosen]
        + ["test_counting.py"],
        cwd=broken_plugin,
        env={**os.environ, "PYTHONPATH": f"{broken_plugin}{os.pathsep}{WORKTREE}"},
        capture_output=True,
        text=True,
    )
    out = run.stdout
    assert run.returncode == 1, out
    assert "3 failed, 1 passed" in out
    assert (
        "countplug:Unseeded-Text-v0 fails the conformance check 'determinism': trajectory with seed 7" in out
    )
    assert (
        "countplug:Raising-Text-v0 fails the conformance check 'garbage is safe': it raised ValueError" in out
    )
    assert (
        "countplug:Leaky-Text-v0 fails the conformance check 'close releases everything': close() left "
        in out
    )
    assert "conformance.py" not in out and "palaestra/testing" not in out  # the report, not the checks' code
    assert out.count("fails the conformance check") == 3  # each report once, without a chained copy
