"""Each adapter names the extra to install when its library is missing."""

from __future__ import annotations

import importlib
import sys

import pytest

from palaestra.core import registry
from palaestra.core.errors import MissingExtraError


@pytest.mark.parametrize("extra", ["openenv", "trl", "verifiers", "verl"])
def test_a_missing_library_names_its_extra(monkeypatch, extra):
    monkeypatch.setitem(registry.EXTRA_REQUIREMENTS, extra, ("no_such_module_for_this_test",))
    monkeypatch.delitem(sys.modules, f"palaestra.serving.{extra}", raising=False)
    with pytest.raises(
        MissingExtraError, match=rf"needs the '{extra}' extra: pip install 'palaestra\[{extra}\]'"
    ):
        importlib.import_module(f"palaestra.serving.{extra}")
    assert f"palaestra.serving.{extra}" not in sys.modules
