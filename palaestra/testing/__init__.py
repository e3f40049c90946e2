"""palaestra's conformance suite as a public API: check any env, the project's own or a plugin's.

In a plugin package's tests, one line gives every check as a pytest test of its own::

    from palaestra.testing import conformance_tests

    test_conformance = conformance_tests("mygames:Maze-Text-v0", "mygames:Maze-Vision-v0")

Each (id, check) pair is then one test, named like ``test_conformance[Maze-Text-v0-determinism]``; a
failure is reported as a sentence saying which check failed, what it found and what it asks, without
palaestra's internals in the traceback. An id whose extra is missing here is skipped with the install
command. Outside pytest, ``check_env_id(env_id)`` runs every check and raises ``ConformanceError``
describing each failure; ``run_check`` runs one. The checks are those of ``palaestra check`` and of
palaestra's own test suite (``palaestra.core.conformance``), listed in ``CHECK_NAMES``.
"""

from __future__ import annotations

import importlib
import os
import re
import traceback
from collections.abc import Callable

from palaestra.core.conformance import CHECKS
from palaestra.core.registry import env_entry

CHECK_NAMES: tuple[str, ...] = tuple(CHECKS)
CHECKLIST = "docs/adding-an-env.md"
# What to do when a check finds the env raising: the fix for the usual cause, by check.
_RAISED_HINTS = {
    "garbage is safe": "nothing an agent writes may raise: _parse raises ActionError for text that is no "
    "legal action, and the base class turns it into an invalid step",
    "garbage is rejected": "nothing an agent writes may raise: _parse raises ActionError for text that is "
    "no legal action",
    "garbage scores zero": "nothing an agent writes may raise: _parse raises ActionError for text that is "
    "no legal action",
}


# Where frames that are not the env's own code live: Gymnasium's wrappers and the checks themselves.
_NOT_THE_ENV = (
    f"{os.sep}gymnasium{os.sep}",
    f"palaestra{os.sep}testing{os.sep}",
    f"palaestra{os.sep}core{os.sep}conformance.py",
)


class ConformanceError(AssertionError):
    """An env breaks the contract; the message says which check, what it found, and what it asks."""


def run_check(env_id: str, check: str) -> None:
    """Run the conformance check named ``check`` on ``env_id`` (``"module:Id"`` imports ``module``
    first, as ``gym.make`` does); ``ConformanceError`` if the env fails it."""
    if check not in CHECKS:
        raise ValueError(f"unknown check {check!r}; the checks are: {', '.join(CHECK_NAMES)}")
    _import_module_of(env_id)
    try:
        CHECKS[check](env_id)
    except AssertionError as error:
        if _raised_by_a_check(error):
            raise ConformanceError(_report(env_id, check, str(error))) from None
        found = f"it raised {type(error).__name__}: {error}"  # an ``assert`` of the env's own code
        raise ConformanceError(
            _report(env_id, check, found, where=_env_frames(error.__traceback__))
        ) from error
    except Exception as error:  # noqa: BLE001 - an env raising is a finding, reported like the rest
        found = f"it raised {type(error).__name__}: {error}"
        hint = _RAISED_HINTS.get(check)
        raise ConformanceError(
            _report(env_id, check, found, hint=hint, where=_env_frames(error.__traceback__))
        ) from error


def check_env_id(env_id: str) -> None:
    """Run every conformance check on ``env_id``; ``ConformanceError`` describing each one it fails.
    An id whose extra is missing here raises ``ConformanceError`` too, naming what to install."""
    _import_module_of(env_id)
    missing = env_entry(env_id).missing_requirement()
    if missing:
        raise ConformanceError(f"{env_id} cannot be checked here: {missing}")
    failures = []
    for check in CHECK_NAMES:
        try:
            run_check(env_id, check)
        except ConformanceError as error:
            failures.append(str(error))
    if failures:
        raise ConformanceError(
            f"{len(failures)} of {len(CHECK_NAMES)} checks failed:\n\n" + "\n\n".join(failures)
        )


def conformance_tests(*env_ids: str) -> Callable[[str, str], None]:
    """A pytest test function parametrized over every (id, check) pair of ``env_ids``: assign it to a
    ``test_`` name in a test module. Needs pytest (``pip install 'palaestra[test]'``)."""
    import pytest

    if not env_ids:
        raise ValueError("conformance_tests needs at least one env id")
    cases = [(env_id, check) for env_id in env_ids for check in CHECK_NAMES]
    names = [f"{env_id.split(':')[-1]}-{_slug(check)}" for env_id, check in cases]

    @pytest.mark.parametrize(("env_id", "check"), cases, ids=names)
    def test_conformance(env_id: str, check: str) -> None:
        __tracebackhide__ = True
        _import_module_of(env_id)
        missing = env_entry(env_id).missing_requirement()
        if missing:
            pytest.skip(missing)
        try:
            run_check(env_id, check)
        except ConformanceError as error:
            failure = str(error)
        else:
            return
        pytest.fail(failure, pytrace=False)  # outside the except: the report alone, not its chain

    return test_conformance


def _import_module_of(env_id: str) -> None:
    """Import ``module`` of ``module:Id`` (which registers the id), as ``gym.make`` would."""
    module, _, name = env_id.rpartition(":")
    if module:
        try:
            importlib.import_module(module)
        except Exception as error:  # noqa: BLE001 - whatever the plugin raises, say which import failed
            raise ConformanceError(
                f"{env_id}: importing {module!r}, which registers {name}, failed: "
                f"{type(error).__name__}: {error}"
            ) from error


def _report(env_id: str, check: str, found: str, *, hint: str | None = None, where: str = "") -> str:
    asks = " ".join((CHECKS[check].__doc__ or "").split())
    lines = [f"{env_id} fails the conformance check {check!r}: {found}"]
    if where:
        lines.append(f"where:\n{where}")
    if hint:
        lines.append(f"fix: {hint}")
    lines.append(f"the check asks: {asks}")
    lines.append(f"see the checklist in {CHECKLIST}, item {check!r}")
    return "\n".join(lines)


def _raised_by_a_check(error: AssertionError) -> bool:
    """Whether the check (or Gymnasium's checker) raised ``error``, rather than the env's own code."""
    innermost = traceback.extract_tb(error.__traceback__)[-1].filename
    return any(part in innermost for part in _NOT_THE_ENV)


def _env_frames(trace, count: int = 3) -> str:
    """The innermost ``count`` frames of a traceback outside the checks and Gymnasium: the env's code
    that raised, and the base class's call of it."""
    frames = [
        frame
        for frame in traceback.extract_tb(trace)
        if not any(part in frame.filename for part in _NOT_THE_ENV)
    ]
    return "".join(traceback.format_list(frames[-count:])).rstrip()


def _slug(check: str) -> str:
    return re.sub(r"[^\w]+", "-", check).strip("-")
