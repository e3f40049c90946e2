"""verl's agent loop on a palaestra env, as far as verl runs on CPU: the loop's ``run`` with a tiny
model generating token by token where verl's rollout server would (verl's servers are vLLM/SGLang)."""

from __future__ import annotations

import asyncio
import json

import gymnasium as gym
import pytest

pytest.importorskip(
    "verl.experimental.agent_loop",
    reason="no verl here: verl 0.9 pins transformers<5.11, which TRL cannot use, so these tests run in "
    "their own venv: `make test-verl` (.venv-verl, docs/integrations.md), or pip install 'palaestra[verl]'",
)

import hydra  # noqa: E402
import torch  # noqa: E402
from omegaconf import OmegaConf  # noqa: E402
from transformers import AutoModelForCausalLM, AutoTokenizer  # noqa: E402
from verl.experimental.agent_loop.agent_loop import DictConfigWrap, _agent_loop_registry  # noqa: E402
from verl.utils.dataset.rl_dataset import RLHFDataset  # noqa: E402
from verl.workers.rollout.replica import TokenOutput  # noqa: E402

from palaestra.agents.llm.tiny_model import build_tiny_chat_model  # noqa: E402
from palaestra.serving.verl import AGENT_NAME, episode_row, write_dataset  # noqa: E402

ENV_KWARGS = {"size": 6}


class TinyModelServer:
    """``server_manager.generate`` as verl's rollout servers answer it: token ids in, sampled token ids
    and their log-probabilities out; here from a tiny transformers model on CPU."""

    def __init__(self, folder, max_new_tokens: int = 8):
        self.model = AutoModelForCausalLM.from_pretrained(folder).eval()
        self.tokenizer = AutoTokenizer.from_pretrained(folder)
        self.max_new_tokens = max_new_tokens
        self.replies: list[list[int]] = []

    async def generate(self, request_id, prompt_ids, sampling_params, **_) -> TokenOutput:
        inputs = torch.tensor([prompt_ids])
        with torch.no_grad():
            output = self.model.generate(
                inputs,
                attention_mask=torch.ones_like(inputs),
                max_new_tokens=self.max_new_tokens,
                do_sample=True,
                temperature=sampling_params.get("temperature", 1.0),
                top_k=0,
                pad_token_id=self.tokenizer.pad_token_id,
                eos_token_id=self.tokenizer.eos_token_id,
                output_scores=True,
                return_dict_in_generate=True,
            )
        new = output.sequences[0, len(prompt_ids) :].tolist()
        logprobs = [torch.log_softmax(s[0], -1)[t].item() for s, t in zip(output.scores, new)]
        self.replies.append(new)
        return TokenOutput(token_ids=new, log_probs=logprobs, stop_reason="completed")


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    return build_tiny_chat_model(tmp_path_factory.mktemp("tiny-verl-model"))


def run_loop(server, sampling, row_prompt, extra_info, *, response_length=1024, max_turns=3):
    """Make the loop inside a running event loop (it binds to it, as in verl's workers) and run it."""

    async def scenario():
        loop = make_loop(server, response_length=response_length, max_turns=max_turns)
        return await loop.run(sampling, raw_prompt=row_prompt, extra_info=extra_info)

    return asyncio.run(scenario())


def make_loop(server, *, response_length, max_turns):
    config = OmegaConf.create(
        {
            "actor_rollout_ref": {
                "rollout": {
                    "prompt_length": 4096,
                    "response_length": response_length,
                    "multi_turn": {"max_assistant_turns": max_turns},
                }
            },
            "data": {},
        }
    )
    # as verl's AgentLoopWorker makes a loop: from the registry entry, with hydra
    return hydra.utils.instantiate(
        config=_agent_loop_registry[AGENT_NAME],
        trainer_config=DictConfigWrap(config=config),
        server_manager=server,
        tokenizer=server.tokenizer,
        processor=None,
        hf_model_type="llama",
        dataset_cls=RLHFDataset,
        data_config=DictConfigWrap(config.data),
    )


@pytest.mark.slow
def test_the_loop_plays_a_multi_turn_episode_and_masks_the_envs_tokens(tiny_model):
    torch.manual_seed(0)
    server = TinyModelServer(tiny_model)
    row = episode_row("Snake-Text-v0", 7, env_kwargs=ENV_KWARGS)
    output = run_loop(server, {"temperature": 1.0}, row["prompt"], row["extra_info"])

    tokenizer = server.tokenizer
    opening = tokenizer.apply_chat_template(row["prompt"], add_generation_prompt=True, tokenize=False)
    assert tokenizer.decode(output.prompt_ids) == opening
    assert len(output.response_ids) == len(output.response_mask) == len(output.response_logprobs)
    model_tokens = [t for t, m in zip(output.response_ids, output.response_mask) if m == 1]
    assert model_tokens == [t for reply in server.replies for t in reply]  # what the model sampled, unchanged
    env_text = tokenizer.decode([t for t, m in zip(output.response_ids, output.response_mask) if m == 0])
    assert "Turn 1." in env_text and "Turn 2." in env_text

    env = gym.make("Snake-Text-v0", **ENV_KWARGS)
    env.reset(seed=7)
    total, turns = 0.0, 0
    for reply in server.replies:
        _, reward, terminated, truncated, _ = env.step(tokenizer.decode(reply, skip_special_tokens=True))
        total, turns = total + reward, turns + 1
        if terminated or truncated:
            break
    assert turns == output.extra_fields["env_turns"] == 3  # gibberish never ends it before max_turns
    assert output.reward_score == pytest.approx(total) == pytest.approx(output.extra_fields["env_return"])


def test_a_short_response_budget_ends_the_episode_early(tiny_model):
    server = TinyModelServer(tiny_model, max_new_tokens=4)
    row = episode_row("Snake-Text-v0", 1, env_kwargs=ENV_KWARGS)
    output = run_loop(server, {}, row["prompt"], row["extra_info"], response_length=40, max_turns=10)
    assert len(output.response_ids) <= 40 and output.extra_fields["env_turns"] == 1


def test_the_dataset_holds_episode_starts(tmp_path):
    from datasets import Dataset

    path = write_dataset(tmp_path / "train.parquet", "Snake-Text-v0", [3, 4], env_kwargs=ENV_KWARGS)
    rows = Dataset.from_parquet(str(path)).to_list()
    observation, info = gym.make("Snake-Text-v0", **ENV_KWARGS).reset(seed=4)
    assert rows[1]["agent_name"] == "palaestra"
    assert rows[1]["prompt"] == [
        {"role": "system", "content": info["instructions"]},
        {"role": "user", "content": observation},
    ]
    assert (
        rows[1]["extra_info"]["seed"] == 4 and json.loads(rows[1]["extra_info"]["env_kwargs"]) == ENV_KWARGS
    )


def test_a_row_without_an_episode_is_refused(tiny_model):
    with pytest.raises(ValueError, match="needs env_id and seed"):
        run_loop(TinyModelServer(tiny_model), {}, [{"role": "user", "content": "hi"}], {})
