"""Data the tests write for data-set ids, so their checks run here instead of skipping."""

import pytest

from palaestra.core.registry import missing_extra

# ALFWorld games written from Household homes, per split (valid_unseen from Household's test split).
ALFWORLD_GAMES = {"train": 5, "valid_seen": 2, "valid_unseen": 3}


@pytest.fixture(scope="session")
def alfworld_games(tmp_path_factory):
    """A folder of ALFWorld games in ALFWorld's format (json_2.1.1's layout), written from easy
    Household homes; skips with the install command where the alfworld extra is missing."""
    missing = missing_extra("alfworld")
    if missing:
        pytest.skip(f"ALFWorld-v0: {missing}")
    from palaestra.envs.household.export import export_household_games

    root = tmp_path_factory.mktemp("alfworld") / "json_2.1.1"
    export_household_games(root, ALFWORLD_GAMES, difficulty="easy")
    return root


# Data-set id -> (its data variable, the fixture that writes data for it).
WRITTEN_DATA = {"ALFWorld-v0": ("PALAESTRA_ALFWORLD_DIR", "alfworld_games")}


@pytest.fixture
def written_data(request, monkeypatch):
    """Point a data-set id's variable at data the tests wrote, where they can write some."""

    def provide(env_id: str) -> None:
        if env_id in WRITTEN_DATA:
            variable, fixture = WRITTEN_DATA[env_id]
            monkeypatch.setenv(variable, str(request.getfixturevalue(fixture)))

    return provide
