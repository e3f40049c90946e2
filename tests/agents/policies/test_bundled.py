"""The policies that ship in the package: complete folders, honest cards, results that replay."""

from __future__ import annotations

import json

import numpy as np
import pytest

from palaestra.agents.policies import POLICIES_DIR, get_policy, policies
from palaestra.core.registry import missing_extra
from palaestra.core.runs import read_episodes
from palaestra.policy_build import MODEL_FILES, RECIPE
from tests.evaluation.eval_helpers import run_cli

BUNDLED = [policy.name for policy in policies()]
AGENTS = ("random", "sft", "policy", "expert")


def test_policies_for_two_games_ship_and_all_fit_in_20_mb():
    assert {"Snake-Text-v0", "Tetris-Text-v0"} <= {get_policy(name).env_id for name in BUNDLED}
    assert sum(get_policy(name).size_bytes for name in BUNDLED) <= 20_000_000


@pytest.mark.parametrize("name", BUNDLED)
def test_a_policy_folder_has_its_model_recipe_card_and_curves(name):
    policy = get_policy(name)
    for file in ("config.json", "model.safetensors", "tokenizer.json", RECIPE, "README.md", "curves.png"):
        assert (policy.folder / file).is_file(), file
    assert set(MODEL_FILES) >= {p.name for p in policy.folder.iterdir() if p.suffix == ".safetensors"}
    steps = [json.loads(line)["step"] for line in (policy.folder / "metrics.jsonl").read_text().splitlines()]
    assert steps == list(range(1, len(steps) + 1)) and steps
    card = (policy.folder / "README.md").read_text()
    for words in (f"policy:{name}", "## Architecture", "## Data and training", "## Results", "RL over SFT"):
        assert words in card


@pytest.mark.parametrize("name", BUNDLED)
def test_rl_beats_the_sft_checkpoint_by_more_than_the_interval(name):
    results = get_policy(name).results
    agents = results["agents"]
    assert set(agents) == set(AGENTS) and results["split"] == "test"
    for agent in AGENTS:  # every agent played the same seeds, and its figures are its scores' mean
        assert agents[agent]["seeds"] == list(range(results["episodes"]))
        assert agents[agent]["score"] == pytest.approx(np.mean(agents[agent]["scores"]))
    assert agents["policy"]["low"] > agents["sft"]["high"]
    assert results["rl_minus_sft"]["low"] > 0
    assert agents["policy"]["score"] > agents["random"]["high"]


@pytest.mark.skipif(missing_extra("llm") is not None, reason="policies play with the llm extra")
@pytest.mark.parametrize("name", BUNDLED)
def test_the_recorded_test_scores_replay(name, tmp_path):
    """``policy:NAME`` through the harness scores the first test seeds exactly as its card says."""
    from palaestra.evaluation import custom_suite, evaluate

    policy = get_policy(name)
    suite = custom_suite([policy.env_id], 3, kwargs=policy.env_kwargs)
    outcome = evaluate(tmp_path / "run", suite, policy.spec, show_progress=False)
    assert outcome.failure is None
    records = read_episodes(tmp_path / "run" / "episodes.jsonl")
    replayed = [record.score for record in sorted(records, key=lambda r: r.seed)]
    assert replayed == policy.results["agents"]["policy"]["scores"][:3]


def test_palaestra_policies_lists_them_as_a_table_and_as_json():
    table = run_cli("policies").stdout
    listed = json.loads(run_cli("policies", "--json").stdout)
    assert [entry["name"] for entry in listed] == BUNDLED
    for entry in listed:
        assert f"policy:{entry['name']}" in table and entry["env_id"] in table
        assert entry["spec"] == f"policy:{entry['name']}" and entry["parameters"] > 0
        assert entry["size_bytes"] == get_policy(entry["name"]).size_bytes
        score = entry["results"]["agents"]["policy"]
        assert f"{100 * score['score']:.1f}" in table


def test_policies_live_in_the_package_folder():
    assert all(policy.folder.parent == POLICIES_DIR for policy in policies())
