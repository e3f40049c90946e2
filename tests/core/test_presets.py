import pytest

from palaestra.core import resolve_preset

PRESETS = {"easy": {"size": 6, "mines": 4}, "hard": {"size": 16, "mines": 40}}


def test_preset_settings_are_a_copy():
    settings = resolve_preset(PRESETS, "easy")
    assert settings == {"size": 6, "mines": 4}
    settings["size"] = 99
    assert PRESETS["easy"]["size"] == 6


def test_given_overrides_win_and_none_means_unset():
    assert resolve_preset(PRESETS, "hard", size=20, mines=None) == {"size": 20, "mines": 40}


def test_unknown_difficulty_names_the_presets():
    with pytest.raises(ValueError, match=r"\['easy', 'hard'\], got 'medium'"):
        resolve_preset(PRESETS, "medium")
