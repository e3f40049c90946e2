"""TRL's GRPOTrainer on palaestra envs: two GRPO steps on CPU with a tiny model built in place."""

from __future__ import annotations

import itertools
import json
import os

import gymnasium as gym
import pytest

pytest.importorskip("trl", reason="pip install 'palaestra[trl]'")
os.environ["TRL_EXPERIMENTAL_SILENCE"] = "1"

import torch  # noqa: E402
from conftest import PROBE_ID, PROBE_TASKS  # noqa: E402
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


def tool_call(action: str) -> str:
    """A call of the env's ``act`` tool as the Qwen3 chat template writes one, which TRL parses."""
    return f'<tool_call>\n{{"name": "act", "arguments": {{"action": {json.dumps(action)}}}}}\n</tool_call>'


def tool_turn(result: str) -> str:
    """What TRL puts between two replies of the model: the tool's result as the Qwen3 template
    renders a tool message, and the next generation prompt."""
    return (
        f"\n<|im_start|>user\n<tool_response>\n{result}\n</tool_response><|im_end|>\n<|im_start|>assistant\n"
    )


@pytest.fixture(scope="module")
def tool_calling_model(tmp_path_factory):
    """A tiny model fine-tuned in place to play the counting probe through the ``act`` tool: it calls
    ``act("count[1]")``, ``act("count[2]")``, ... up to the task's target, then answers "Done."."""
    from trl.chat_template_utils import qwen3_chat_template

    env = environment_factory(PROBE_ID)()
    corpus = [
        env.reset(seed=0, task_id="count-to-3"),
        env.act("count[1]"),
        tool_call("count[1]"),
        qwen3_chat_template,
        json.dumps(get_json_schema(env.act)),
    ]
    folder = build_tiny_chat_model(
        tmp_path_factory.mktemp("tiny-tool-model"), vocab_size=1000, hidden_size=128, layers=2, corpus=corpus
    )
    tokenizer = AutoTokenizer.from_pretrained(folder, padding_side="left")
    tokenizer.add_special_tokens({"additional_special_tokens": ["<|im_start|>", "<|im_end|>"]})
    tokenizer.add_tokens(["<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>"])
    tokenizer.chat_template = qwen3_chat_template  # a tool-calling template TRL knows how to parse
    tokenizer.eos_token = "<|im_end|>"
    model = AutoModelForCausalLM.from_pretrained(folder)
    model.resize_token_embeddings(len(tokenizer))
    model.generation_config.eos_token_id = tokenizer.eos_token_id

    def ids(text: str) -> list[int]:
        return tokenizer(text, add_special_tokens=False)["input_ids"]

    # one whole episode per task, as TRL lays it out: prompt, reply, tool turn, reply ...; the loss
    # is on the replies
    rows = []
    for task_id in PROBE_TASKS:
        prompt = [{"role": "user", "content": env.reset(seed=0, task_id=task_id)}]
        sequence = tokenizer.apply_chat_template(
            prompt, tools=[env.act], add_generation_prompt=True, tokenize=True, return_dict=False
        )
        labels = [-100] * len(sequence)
        target = int(task_id.rsplit("-", 1)[1])
        for number in range(1, target + 1):
            reply = ids(tool_call(f"count[{number}]") + "<|im_end|>")
            turn = ids(tool_turn(env.act(f"count[{number}]")))
            sequence, labels = sequence + reply + turn, labels + reply + [-100] * len(turn)
        reply = ids("Done.<|im_end|>")
        rows.append((sequence + reply, labels + reply))
    width = max(len(sequence) for sequence, _ in rows)
    input_ids = torch.tensor([s + [tokenizer.pad_token_id] * (width - len(s)) for s, _ in rows])
    attention = torch.tensor([[1] * len(s) + [0] * (width - len(s)) for s, _ in rows])
    targets = torch.tensor([t + [-100] * (width - len(t)) for _, t in rows])
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    torch.manual_seed(0)
    for _ in range(400):
        loss = model(input_ids=input_ids, attention_mask=attention, labels=targets).loss
        if loss.item() < 0.004:
            break
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.004, f"the tiny model did not learn the tool calls (loss {loss.item():.3f})"
    return model, tokenizer


class RecordingGRPOTrainer(GRPOTrainer):
    """``GRPOTrainer`` that keeps what each batch hands the loss (ids and masks), changing nothing."""

    batches: list[dict[str, list]]

    def _generate_and_score_completions(self, inputs):
        output = super()._generate_and_score_completions(inputs)
        self.batches.append(
            {key: output[key].tolist() for key in ("completion_ids", "completion_mask", "tool_mask")}
        )
        return output


@pytest.mark.slow
def test_two_grpo_steps_where_the_model_plays_the_env_through_its_tool(tool_calling_model, tmp_path):
    model, tokenizer = tool_calling_model
    rollouts: list[dict] = []

    def record_rollouts(completions, completion_ids, environments, seed, task_id, **_) -> list[float]:
        """Keeps each rollout and its env's return (the env is reset for the next batch); adds nothing."""
        for messages, ids, env, *start in zip(completions, completion_ids, environments, seed, task_id):
            rollouts.append({"messages": messages, "ids": ids, "start": start, "return": env.get_reward()})
        return [0.0] * len(completions)

    trainer = RecordingGRPOTrainer(
        model,
        reward_funcs=record_rollouts,
        # at temperature 1 about one call in ten of the tiny model strays from what it learned (to
        # 0.004 nats a token); at 0.5 none did in 210 samples, so every rollout plays the env
        args=grpo_config(tmp_path, max_completion_length=192, temperature=0.5),
        train_dataset=seed_dataset(range(4), task_ids=list(PROBE_TASKS) * 2),
        processing_class=tokenizer,
        environment_factory=environment_factory(PROBE_ID),
    )
    trainer.batches = []
    (act,) = trainer.tools
    schema = get_json_schema(act)["function"]
    assert (schema["name"], schema["parameters"]["required"]) == ("act", ["action"])
    assert (
        "written exactly as the instructions say"
        in schema["parameters"]["properties"]["action"]["description"]
    )
    trainer.train()
    assert trainer.state.global_step == 2 and len(rollouts) == 8 and len(trainer.batches) == 2

    for rollout in rollouts:
        calls = [
            call["function"]["arguments"]["action"]
            for message in rollout["messages"]
            if message["role"] == "assistant"
            for call in message.get("tool_calls") or []
        ]
        results = [message["content"] for message in rollout["messages"] if message["role"] == "tool"]
        assert calls and len(results) == len(calls), "TRL ran every call of the tool and gave back its result"
        # the env stepped on each call: its results and return are those of the episode replayed here
        local = gym.make(PROBE_ID)
        row_seed, row_task = rollout["start"]
        local.reset(seed=row_seed, options={"task_id": row_task})
        episode_return = 0.0
        for action, result in zip(calls, results):
            observation, reward, terminated, truncated, _ = local.step(action)
            episode_return += reward
            assert result.startswith(f"{observation}\n[reward {reward:g}")
        assert rollout["return"] == pytest.approx(episode_return)
    assert max(len(rollout["messages"]) for rollout in rollouts) >= 5, "some rollout took several turns"
    assert any("the episode has ended (success: True)" in str(rollout["messages"]) for rollout in rollouts)
    # the reward TRL logged is the env's return, a batch of 4 rollouts per step
    logged = [
        entry["rewards/PalaestraToolEnv/mean"] for entry in trainer.state.log_history if "loss" in entry
    ]
    returns = [rollout["return"] for rollout in rollouts]
    assert logged == pytest.approx([sum(returns[:4]) / 4, sum(returns[4:]) / 4])

    # the loss trains on the model's replies only: the tool's turns are masked out, exactly
    rows = [
        row
        for batch in trainer.batches
        for row in zip(batch["completion_ids"], batch["completion_mask"], batch["tool_mask"])
    ]
    for rollout, (ids, mask, tool_mask) in zip(rollouts, rows):
        length = len(rollout["ids"])
        assert ids[:length] == rollout["ids"] and sum(mask) == length  # the rest is padding
        ids, tool_mask = ids[:length], tool_mask[:length]
        runs = [
            (flag, tokenizer.decode([token for token, _ in run]))
            for flag, run in itertools.groupby(zip(ids, tool_mask), key=lambda pair: pair[1])
        ]
        results = [message["content"] for message in rollout["messages"] if message["role"] == "tool"]
        assert [text for flag, text in runs if flag == 0] == [tool_turn(result) for result in results]
        replies = [text for flag, text in runs if flag == 1]
        assert len(replies) == len(results) + 1
        assert all(reply.startswith("<tool_call>") for reply in replies[:-1])
