"""``palaestra.policy_build``: from a recipe to a policy folder that ``policy:FOLDER`` plays."""

from __future__ import annotations

import json

import pytest

from palaestra.core.registry import missing_extra
from palaestra.policy_build import build, paired_difference

pytestmark = pytest.mark.skipif(missing_extra("train") is not None, reason="needs the train extra")

RECIPE = """
[run]
output_dir = "{run}"
steps = 1
checkpoint_every = 1
device = "cpu"
live = false

[model.tiny]
vocab_size = 300
hidden_size = 32
layers = 1
heads = 2
intermediate_size = 64
context_length = 128
corpus_episodes = 2
system_turn = false
observation_lines = 2

[env]
ids = ["Snake-Text-v0"]
kwargs = {{ difficulty = "easy" }}

[rollout]
groups = 1
group_size = 2
max_turns = 3
max_new_tokens = 8
max_context = 128
history_turns = 0

[sft]
steps = 3
episodes = 2
"""


@pytest.mark.slow
def test_a_recipe_becomes_a_scored_playable_policy_folder(tmp_path):
    folder = tmp_path / "policies" / "tiny-snake"
    folder.mkdir(parents=True)
    (folder / "train.toml").write_text(RECIPE.format(run=tmp_path / "run"), encoding="utf-8")
    assert build("tiny-snake", 2, root=tmp_path / "policies") == folder
    description = json.loads((folder / "policy.json").read_text())
    assert description["env_id"] == "Snake-Text-v0" and description["env_kwargs"] == {"difficulty": "easy"}
    assert description["agent_options"] == {"temperature": 1.0, "max_tokens": 8, "history_turns": 0}
    agents = description["results"]["agents"]
    assert set(agents) == {"random", "sft", "policy", "expert"}
    assert all(entry["seeds"] == [0, 1] and len(entry["scores"]) == 2 for entry in agents.values())
    card = (folder / "README.md").read_text()
    assert "| `expert` |" in card and 'ids = ["Snake-Text-v0"]' in card and "last 2 lines" in card
    for file in ("model.safetensors", "tokenizer.json", "curves.png", "metrics.jsonl", "sft_losses.json"):
        assert (folder / file).is_file(), file
    from palaestra.agents.registry import agent_factory

    assert agent_factory(f"policy:{folder}").policy.parameters == description["parameters"]


def test_the_rl_gain_is_paired_by_seed():
    better = {"seeds": [0, 1, 2], "scores": [1.0, 0.5, 0.5]}
    worse = {"seeds": [0, 1, 2], "scores": [0.5, 0.5, 0.0]}
    gain = paired_difference(better, worse)
    assert gain.mean == pytest.approx(1 / 3) and 0 <= gain.low <= gain.mean <= gain.high <= 0.5
    with pytest.raises(ValueError, match="different seeds"):
        paired_difference(better, {"seeds": [0, 1, 3], "scores": [0, 0, 0]})
