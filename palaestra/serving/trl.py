"""Palaestra envs in TRL's ``GRPOTrainer``, two ways.

``PalaestraToolEnv`` is an ``environment_factory`` class: TRL makes one per rollout, calls
``reset`` (its text joins the prompt), exposes ``act`` to the model as a tool, and scores the rollout
with ``get_reward`` (the episode's return). The model plays by calling the tool::

    trainer = GRPOTrainer(model, args=GRPOConfig(max_steps=100, ...), train_dataset=seed_dataset(range(64)),
                          environment_factory=environment_factory("Sokoban-Text-v0"))

``EnvRollout`` is a ``rollout_func`` for models without tool calling: each rollout is a multi-turn
episode in text (the model's reply is the action, the next observation is the next user turn),
generated with the trainer's own model; ``env_mask`` marks the model's tokens 1 and the env's 0, so
the loss trains only on what the model wrote::

    rollout = EnvRollout("Snake-Text-v0", max_turns=8)
    trainer = GRPOTrainer(model, reward_funcs=rollout.reward, args=config,
                          train_dataset=rollout.dataset(range(256)), rollout_func=rollout)

Needs ``pip install 'palaestra[trl]'`` (TRL 1.16; ``environment_factory`` needs transformers >= 5.2,
and tool-call parsing without jmespath needs >= 5.13).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from palaestra.serving import require_extra

require_extra("trl", "palaestra's TRL adapters")

import gymnasium as gym  # noqa: E402
import torch  # noqa: E402
from datasets import Dataset  # noqa: E402

from palaestra.core import info as keys  # noqa: E402


def _observation_text(observation: Any) -> str:
    return observation["text"] if isinstance(observation, dict) else observation


class PalaestraToolEnv:
    """One palaestra episode as a TRL ``environment_factory`` environment: the tool ``act`` steps it.

    ``reset`` takes a dataset row's columns (``seed`` and ``task_id`` are used, others ignored) and
    returns the instructions and the first observation. ``get_reward`` is the episode's return
    (the sum of the env's rewards). After the episode ends, ``act`` answers that it is over.
    """

    def __init__(self, env_id: str, **env_kwargs: Any):
        self.env_id = env_id
        self._env = gym.make(env_id, **env_kwargs)
        self._return = 0.0
        self._done = True

    def reset(self, **row: Any) -> str:
        seed, task_id = row.get("seed"), row.get("task_id")
        options = {"task_id": task_id} if task_id is not None else None
        observation, info = self._env.reset(seed=None if seed is None else int(seed), options=options)
        self._return, self._done = 0.0, False
        return f"{info[keys.INSTRUCTIONS]}\n\n{_observation_text(observation)}"

    def act(self, action: str) -> str:
        """Take one action in the game and see what happens.

        Args:
            action: The action, written exactly as the instructions say (for example "up").

        Returns:
            The new observation, the step's reward, and whether the episode has ended.
        """
        if self._done:
            return "The episode is over; no more actions are taken."
        observation, reward, terminated, truncated, info = self._env.step(action)
        self._return += float(reward)
        self._done = bool(terminated or truncated)
        status = f"reward {float(reward):g}"
        if info.get(keys.ACTION_ERROR):
            status += f"; invalid action: {info[keys.ACTION_ERROR]}"
        if self._done:
            status += f"; the episode has ended (success: {bool(info.get(keys.SUCCESS))})"
        return f"{_observation_text(observation)}\n[{status}]"

    def get_reward(self) -> float:
        return self._return


def environment_factory(env_id: str, **env_kwargs: Any) -> Callable[[], PalaestraToolEnv]:
    """The ``environment_factory`` for ``GRPOTrainer``: makes a ``PalaestraToolEnv`` of ``env_id``."""
    gym.spec(env_id)  # an unknown id fails here, not inside the trainer
    return functools.partial(PalaestraToolEnv, env_id, **env_kwargs)


def seed_dataset(seeds: Iterable[int], task_ids: Iterable[str] | None = None) -> Dataset:
    """A dataset of empty prompts with a ``seed`` (and ``task_id``) column, one row per episode, for
    ``environment_factory`` training: ``reset`` turns each row into the episode's prompt."""
    seeds = [int(seed) for seed in seeds]
    rows: dict[str, list[Any]] = {"prompt": [[{"role": "user", "content": ""}] for _ in seeds], "seed": seeds}
    if task_ids is not None:
        rows["task_id"] = list(task_ids)
        if len(rows["task_id"]) != len(seeds):
            raise ValueError("give one task id per seed")
    return Dataset.from_dict(rows)


class EnvRollout:
    """A multi-turn ``rollout_func`` for ``GRPOTrainer`` over ``env_id``.

    Each prompt is the start of an episode (``dataset`` makes them: the instructions as the system
    message, the first observation as the user's). A rollout plays it for up to ``max_turns`` steps:
    the trainer's model writes a reply (sampled with the trainer's temperature, at most
    ``max_reply_tokens`` tokens), the env steps on it, and the next observation joins the
    conversation as a user turn through the tokenizer's chat template, which must keep earlier
    turns' tokens unchanged (prefix-preserving). The completion is every token after the prompt;
    ``env_mask`` is 1 on the tokens the model sampled and 0 on the env's; ``logprobs`` are the
    sampling log-probabilities (0 on the env's tokens). ``env_return`` and ``env_score`` go to the
    reward functions; ``reward`` is one that returns ``env_return``.
    """

    def __init__(
        self,
        env_id: str,
        *,
        max_turns: int = 8,
        max_reply_tokens: int = 64,
        env_kwargs: dict[str, Any] | None = None,
    ):
        if max_turns < 1 or max_reply_tokens < 1:
            raise ValueError("max_turns and max_reply_tokens must be at least 1")
        gym.spec(env_id)
        self.env_id = env_id
        self.max_turns = max_turns
        self.max_reply_tokens = max_reply_tokens
        self.env_kwargs = dict(env_kwargs or {})
        self._seeds: dict[tuple[str, str], tuple[int, str | None]] = {}  # prompt -> (seed, task id)

    def dataset(self, seeds: Iterable[int], task_ids: Iterable[str | None] | None = None) -> Dataset:
        """One conversational prompt per episode start (with ``seed`` and ``task_id`` columns)."""
        seeds = [int(seed) for seed in seeds]
        tasks = list(task_ids) if task_ids is not None else [None] * len(seeds)
        if len(tasks) != len(seeds):
            raise ValueError("give one task id per seed")
        env = gym.make(self.env_id, **self.env_kwargs)
        prompts = []
        try:
            for seed, task_id in zip(seeds, tasks):
                observation, info = env.reset(seed=seed, options={"task_id": task_id} if task_id else None)
                prompt = (info[keys.INSTRUCTIONS], _observation_text(observation))
                # Two seeds that open on the same text are played as the first: that is the episode
                # the text shows, and a rollout has only the text to go on.
                self._seeds.setdefault(prompt, (seed, task_id))
                prompts.append(
                    [{"role": "system", "content": prompt[0]}, {"role": "user", "content": prompt[1]}]
                )
        finally:
            env.close()
        return Dataset.from_dict({"prompt": prompts, "seed": seeds, "task_id": tasks})

    @staticmethod
    def reward(completions: list[Any], env_return: list[float], **_: Any) -> list[float]:
        """The episode's return (the sum of the env's rewards), as a TRL reward function."""
        return [float(value) for value in env_return]

    def __call__(self, prompts: list[list[dict[str, str]]], trainer: Any) -> dict[str, list]:
        model = trainer.accelerator.unwrap_model(trainer.model)
        tokenizer = trainer.processing_class
        tokenizer = getattr(tokenizer, "tokenizer", tokenizer)
        budget = int(trainer.max_completion_length)
        results = [self._play(prompt, model, tokenizer, trainer.temperature, budget) for prompt in prompts]
        return {name: [result[name] for result in results] for name in results[0]}

    # -- one episode ------------------------------------------------------------------------------
    def _start(self, prompt: list[dict[str, str]]) -> tuple[int, str | None]:
        key = (prompt[0]["content"], prompt[-1]["content"]) if len(prompt) >= 2 else None
        if key not in self._seeds:
            raise ValueError(
                f"EnvRollout plays the prompts of its own dataset(); this prompt is not {self.env_id}'s"
            )
        return self._seeds[key]

    def _play(
        self, prompt: list[dict[str, str]], model: Any, tokenizer: Any, temperature: float, budget: int
    ):
        seed, task_id = self._start(prompt)
        env = gym.make(self.env_id, **self.env_kwargs)
        try:
            env.reset(seed=seed, options={"task_id": task_id} if task_id else None)
            messages = [dict(message) for message in prompt]
            prompt_ids = _template_ids(tokenizer, messages, add_generation_prompt=True)
            completion: list[int] = []
            mask: list[int] = []
            logprobs: list[float] = []
            episode_return, score, turns = 0.0, 0.0, 0
            while turns < self.max_turns and len(completion) < budget:
                room = min(self.max_reply_tokens, budget - len(completion))
                reply_ids, reply_logprobs = _sample(
                    model, tokenizer, prompt_ids + completion, room, temperature
                )
                completion += reply_ids
                mask += [1] * len(reply_ids)
                logprobs += reply_logprobs
                reply = tokenizer.decode(reply_ids, skip_special_tokens=True)
                observation, reward, terminated, truncated, info = env.step(reply)
                turns += 1
                episode_return += float(reward)
                score = float(info.get(keys.SCORE, 0.0))
                if terminated or truncated:
                    break
                text = _observation_text(observation)
                feedback = _feedback_ids(tokenizer, messages, reply, reply_ids, text)
                messages += [{"role": "assistant", "content": reply}, {"role": "user", "content": text}]
                completion += feedback
                mask += [0] * len(feedback)
                logprobs += [0.0] * len(feedback)
            completion, mask, logprobs = completion[:budget], mask[:budget], logprobs[:budget]
        finally:
            env.close()
        return {
            "prompt_ids": prompt_ids,
            "completion_ids": completion,
            "logprobs": logprobs,
            "env_mask": mask,
            "env_return": episode_return,
            "env_score": score,
            "env_turns": turns,
        }


def _template_ids(
    tokenizer: Any, messages: list[dict[str, str]], *, add_generation_prompt: bool
) -> list[int]:
    text = tokenizer.apply_chat_template(
        messages, tokenize=False, add_generation_prompt=add_generation_prompt
    )
    return tokenizer(text, add_special_tokens=False)["input_ids"]


def _feedback_ids(
    tokenizer: Any, messages: list[dict[str, str]], reply: str, reply_ids: list[int], observation: str
) -> list[int]:
    """The tokens between the model's reply and its next turn, through the chat template: the end of
    the reply's turn (unless the model wrote it), the observation as a user turn, the next
    generation prompt."""
    opening = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    said = messages + [{"role": "assistant", "content": reply}]
    before = tokenizer.apply_chat_template(said, tokenize=False)
    after = tokenizer.apply_chat_template(
        said + [{"role": "user", "content": observation}], tokenize=False, add_generation_prompt=True
    )
    if not (before.startswith(opening + reply) and after.startswith(before)):
        raise ValueError("EnvRollout needs a prefix-preserving chat template: it rewrote earlier turns")
    closing = before[len(opening) + len(reply) :]
    eos = tokenizer.eos_token
    if reply_ids and reply_ids[-1] == tokenizer.eos_token_id and closing.startswith(eos):
        closing = closing[len(eos) :]  # the model ended its turn itself
    return tokenizer(closing + after[len(before) :], add_special_tokens=False)["input_ids"]


@torch.no_grad()
def _sample(
    model: Any, tokenizer: Any, context: list[int], max_new_tokens: int, temperature: float
) -> tuple[list[int], list[float]]:
    """Sample one reply after ``context``: its token ids (up to the end-of-turn token, kept) and the
    log-probability each was sampled with."""
    was_training = model.training
    model.eval()
    try:
        inputs = torch.tensor([context], device=model.device)
        output = model.generate(
            inputs,
            attention_mask=torch.ones_like(inputs),
            max_new_tokens=max_new_tokens,
            do_sample=True,
            temperature=temperature,
            top_k=0,
            top_p=1.0,
            pad_token_id=tokenizer.pad_token_id,
            eos_token_id=tokenizer.eos_token_id,
            output_scores=True,
            return_dict_in_generate=True,
        )
    finally:
        model.train(was_training)
    new = output.sequences[0, len(context) :].tolist()
    logprobs = [
        torch.log_softmax(scores[0].float(), dim=-1)[token].item()
        for scores, token in zip(output.scores, new)
    ]
    if tokenizer.eos_token_id in new:  # generate pads after the end-of-turn token
        cut = new.index(tokenizer.eos_token_id) + 1
        new, logprobs = new[:cut], logprobs[:cut]
    return new, logprobs
