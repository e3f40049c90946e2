"""TRL's GRPOTrainer on palaestra envs: two GRPO steps on CPU with a tiny model built in place."""

from __future__ import annotations

import os

import gymnasium as gym
import pytest

pytest.importorskip("trl", reason="pip install 'palaestra[trl]'")
os.environ["TRL_EXPERIMENTAL_SILENCE"] = "1"

from transformers import AutoModelForCausalLM, AutoTokenizer  # noqa: E402
from transformers.utils import get_json_schema  # noqa: E402
from trl import GRPOConfig, GRPOTrainer  # noqa: E402

from palaestra.agents.llm.tiny_model import build_tiny_chat_model  # noqa: E402
from palaestra.serving.trl import EnvRollout, environment_factory, seed_dataset  # noqa: E402


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    return build_tiny_chat_model(tmp_path_factory.mktemp("tiny-grpo-model"))


def grpo_config(output_dir, **changes) -> GRPOConfig:
    settings = dict(
        output_dir=str(output_dir),
        max_steps=2,
        per_device_train_batch_size=4,
        num_generations=2,
        max_completion_length=64,
        learning_rate=1e-3,
        logging_steps=1,
        report_to=[],
        use_cpu=True,
        save_strategy="no",
        seed=0,
    )
    return GRPOConfig(**{**settings, **changes})


def reply_length_parity(completions, **_) -> list[float]:
    """A reward that differs between a group's completions, so GRPO has an advantage to train on
    (the tiny model's gibberish earns every episode the same env return)."""
    return [float(len(str(completion)) % 2) for completion in completions]


@pytest.mark.slow
def test_two_grpo_steps_with_the_multi_turn_rollout_train_only_on_the_models_tokens(tiny_model, tmp_path):
    tokenizer = AutoTokenizer.from_pretrained(tiny_model, padding_side="left")
    model = AutoModelForCausalLM.from_pretrained(tiny_model)
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    # the tiny model's gibberish is no move, so every episode runs its max_turns
    rollout = EnvRollout("Snake-Text-v0", max_turns=2, max_reply_tokens=8, env_kwargs={"size": 6})
    seen: list[dict] = []

    def recording(prompts, trainer):
        output = rollout(prompts, trainer)
        seen.append(output)
        return output

    dataset = rollout.dataset(range(4))
    trainer = GRPOTrainer(
        model,
        reward_funcs=[rollout.reward, reply_length_parity],
        args=grpo_config(tmp_path, max_completion_length=400, per_device_train_batch_size=2),
        train_dataset=dataset,
        processing_class=tokenizer,
        rollout_func=recording,
    )
    trainer.train()

    assert trainer.state.global_step == 2 and len(seen) == 2
    for output in seen:
        for ids, mask, logprobs, turns in zip(
            output["completion_ids"], output["env_mask"], output["logprobs"], output["env_turns"]
        ):
            assert len(ids) == len(mask) == len(logprobs) <= 400
            assert turns == 2, "every episode lasts its max_turns"
            assert 0 in mask and 1 in mask and mask[0] == 1
            env_text = tokenizer.decode([t for t, m in zip(ids, mask) if m == 0])
            assert "<|user|>" in env_text and "Turn 1." in env_text  # the env's next observation
            assert all(lp == 0.0 for lp, m in zip(logprobs, mask) if m == 0)
            assert all(lp < 0.0 for lp, m in zip(logprobs, mask) if m == 1)
    # the trainer counted only the model's tokens: its logged completion length is the mask's sum
    logged = [entry["completions/mean_length"] for entry in trainer.state.log_history if "loss" in entry]
    expected = [sum(map(sum, output["env_mask"])) / len(output["env_mask"]) for output in seen]
    assert logged == pytest.approx(expected)
    assert any(not before[name].equal(p) for name, p in trainer.model.named_parameters()), "weights moved"


def test_the_rollout_replays_its_datasets_episodes_and_refuses_foreign_prompts():
    rollout = EnvRollout("Snake-Text-v0", env_kwargs={"size": 6})
    dataset = rollout.dataset([3, 4])
    env = gym.make("Snake-Text-v0", size=6)
    observation, info = env.reset(seed=4)
    assert dataset[1]["prompt"] == [
        {"role": "system", "content": info["instructions"]},
        {"role": "user", "content": observation},
    ]
    assert rollout._start(dataset[1]["prompt"]) == (4, None)
    with pytest.raises(ValueError, match="not Snake-Text-v0's"):
        rollout._start([{"role": "user", "content": "hello"}])
    with pytest.raises(gym.error.Error):
        EnvRollout("Nope-Text-v0")


def test_the_tool_env_plays_an_episode_and_owns_its_reward():
    env = environment_factory("Snake-Text-v0", size=6)()
    prompt = env.reset(seed=1, prompt=[{"role": "user", "content": ""}])
    local = gym.make("Snake-Text-v0", size=6)
    observation, info = local.reset(seed=1)
    assert prompt == f"{info['instructions']}\n\n{observation}"
    total = 0.0
    for move in ["up", "nonsense"] + ["up"] * 20:
        answer = env.act(move)
        observation, reward, terminated, truncated, info = local.step(move)
        total += reward
        assert answer.startswith(observation)
        if terminated or truncated:
            assert "the episode has ended" in answer
            break
    assert env.get_reward() == pytest.approx(total)
    assert env.act("up") == "The episode is over; no more actions are taken."


@pytest.mark.slow
def test_two_grpo_steps_with_the_environment_factory(tiny_model, tmp_path):
    from trl.chat_template_utils import qwen3_chat_template

    tokenizer = AutoTokenizer.from_pretrained(tiny_model, padding_side="left")
    tokenizer.add_special_tokens({"additional_special_tokens": ["<|im_start|>", "<|im_end|>"]})
    tokenizer.chat_template = qwen3_chat_template  # a tool-calling template TRL knows how to parse
    tokenizer.eos_token = "<|im_end|>"
    model = AutoModelForCausalLM.from_pretrained(tiny_model)
    model.resize_token_embeddings(len(tokenizer))
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    trainer = GRPOTrainer(
        model,
        args=grpo_config(tmp_path, max_completion_length=24),
        train_dataset=seed_dataset(range(4)),
        processing_class=tokenizer,
        environment_factory=environment_factory("Snake-Text-v0", size=6),
    )
    (act,) = trainer.tools
    schema = get_json_schema(act)["function"]
    assert (schema["name"], schema["parameters"]["required"]) == ("act", ["action"])
    assert (
        "written exactly as the instructions say"
        in schema["parameters"]["properties"]["action"]["description"]
    )
    trainer.train()
    assert trainer.state.global_step == 2
    rewards = [entry for entry in trainer.state.log_history if "rewards/PalaestraToolEnv/mean" in entry]
    assert len(rewards) == 2  # the env's return is the reward TRL logged
