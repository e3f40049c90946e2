"""Multi-turn rollouts: many episodes at once, every turn of every live episode in one ``generate``.

The prompt is the LLM agents' own (``palaestra.agents.llm.prompting.Conversation`` rendered by the
tokenizer's chat template): the env's instructions as the system turn, observations as user turns,
replies as assistant turns. What is trained is exactly what was generated: the trainer keeps token
ids, never text re-encoded after the fact.

- Full history (``history_turns`` unset): an episode is one token sequence. Each new turn appends the
  template's text after the reply (its closing marker, the next user turn and the assistant header),
  tokenized on its own, so earlier tokens never change. The loss mask is 1 on the generated tokens
  only. A chat template that rewrites earlier turns (one that drops old reasoning, say) cannot be
  trained this way; the error says to set ``history_turns``.
- A history window (``history_turns = N``): every turn is its own sequence, the windowed prompt (mask
  0) and the reply (mask 1).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import gymnasium as gym

from palaestra.agents.llm.chat_template import render_chat_prompt
from palaestra.agents.llm.prompting import Conversation, HistoryWindow
from palaestra.agents.train.samplers import Task
from palaestra.core import info as keys
from palaestra.core.errors import UsageError


@dataclass
class Sample:
    """One training sequence: token ids, the loss mask (1 on generated tokens) and the turn each
    generated token belongs to (-1 on prompt tokens)."""

    input_ids: list[int]
    loss_mask: list[int]
    turn_of_token: list[int]


class TokenConversation:
    """One episode's conversation kept as token ids (see the module docstring).

    Usage: ``reset(instructions)``, then per turn ``ids = prompt(observation)``, generate, and
    ``record(completion_ids, reply)``; ``samples()`` at the end.
    """

    def __init__(self, tokenizer: Any, history_turns: int | None = None):
        self.tokenizer = tokenizer
        self.full_history = history_turns is None
        self.conversation = Conversation(HistoryWindow(turns=history_turns))
        self._turn = 0
        self._samples: list[Sample] = []
        self._ids: list[int] = []
        self._mask: list[int] = []
        self._turns: list[int] = []
        self._open_text = ""  # the full-history prompt text so far, up to the assistant header
        self._reply: tuple[str, bool] | None = None  # the last reply's text, whether it ended with eos
        self._prompt_ids: list[int] = []

    def reset(self, instructions: str) -> None:
        self.conversation.reset(instructions)
        self._turn = 0
        self._samples = []
        self._ids, self._mask, self._turns = [], [], []
        self._open_text = ""
        self._reply = None

    def _encode(self, text: str) -> list[int]:
        return self.tokenizer.encode(text, add_special_tokens=False)

    def prompt(self, observation: Any) -> list[int]:
        """The token ids the model continues for this observation."""
        messages = self.conversation.prompt(observation)
        text = render_chat_prompt(self.tokenizer, messages)
        if not self.full_history:
            self._prompt_ids = self._encode(text)
            return list(self._prompt_ids)
        if self._reply is None:
            new = self._encode(text)
        else:
            new = self._encode(self._continuation(messages, text))
        self._ids += new
        self._mask += [0] * len(new)
        self._turns += [-1] * len(new)
        self._open_text = text
        return list(self._ids)

    def _continuation(self, messages: list[dict[str, Any]], text: str) -> str:
        """The template's text between the last reply and the end of ``text``."""
        reply, ended = self._reply
        closed = self.tokenizer.apply_chat_template(
            messages[:-1], tokenize=False, add_generation_prompt=False
        )
        head = self._open_text + reply
        if not (closed.startswith(head) and text.startswith(closed)):
            raise UsageError(
                "this tokenizer's chat template rewrites earlier turns, so an episode cannot be one token "
                "sequence; set rollout.history_turns to train turn by turn"
            )
        closing = closed[len(head) :]
        eos = self.tokenizer.eos_token
        if ended and eos and closing.startswith(eos):  # the generated eos already closed the reply
            closing = closing[len(eos) :]
        return closing + text[len(closed) :]

    def record(self, completion_ids: Sequence[int], reply: str) -> None:
        """Add the generated ids and their text as this turn's reply."""
        completion = list(completion_ids)
        self.conversation.record(reply)
        ended = bool(completion) and completion[-1] == self.tokenizer.eos_token_id
        if self.full_history:
            self._ids += completion
            self._mask += [1] * len(completion)
            self._turns += [self._turn] * len(completion)
            self._reply = (reply, ended)
        else:
            prompt = self._prompt_ids
            self._samples.append(
                Sample(
                    prompt + completion,
                    [0] * len(prompt) + [1] * len(completion),
                    [-1] * len(prompt) + [self._turn] * len(completion),
                )
            )
        self._turn += 1

    def samples(self) -> list[Sample]:
        """The episode's training sequences: one in full history, one per turn with a window."""
        if self.full_history:
            return [Sample(list(self._ids), list(self._mask), list(self._turns))] if self._turn else []
        return list(self._samples)


class Generator(Protocol):
    """What produces completions: token ids in, generated token ids out (up to and with eos)."""

    def generate(self, prompts: list[list[int]]) -> list[list[int]]: ...


class TransformersGenerator:
    """Sampling with the policy's own ``generate`` (CPU or GPU), ``batch_size`` prompts at a time."""

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        max_new_tokens: int,
        temperature: float,
        top_p: float,
        batch_size: int,
    ):
        self.model = model
        self.tokenizer = tokenizer
        self.max_new_tokens = max_new_tokens
        self.temperature = temperature
        self.top_p = top_p
        self.batch_size = batch_size

    def generate(self, prompts: list[list[int]]) -> list[list[int]]:
        import torch

        device = next(self.model.parameters()).device
        pad = self.tokenizer.pad_token_id
        eos = self.tokenizer.eos_token_id
        completions: list[list[int]] = []
        was_training = self.model.training
        self.model.eval()
        try:
            for start in range(0, len(prompts), self.batch_size):
                chunk = prompts[start : start + self.batch_size]
                width = max(len(p) for p in chunk)
                ids = torch.tensor([[pad] * (width - len(p)) + p for p in chunk], device=device)
                attention = torch.tensor(
                    [[0] * (width - len(p)) + [1] * len(p) for p in chunk], device=device
                )
                with torch.no_grad():
                    output = self.model.generate(
                        input_ids=ids,
                        attention_mask=attention,
                        do_sample=True,
                        temperature=self.temperature,
                        top_p=self.top_p,
                        top_k=0,
                        max_new_tokens=self.max_new_tokens,
                        pad_token_id=pad,
                        eos_token_id=eos,
                    )
                for row in output[:, width:].tolist():
                    completions.append(row[: row.index(eos) + 1] if eos in row else row)
        finally:
            self.model.train(was_training)
        return completions


@dataclass
class Episode:
    """One played episode: its samples and what the objectives and metrics need of it."""

    task: Task
    samples: list[Sample]
    states: list[str]  # state keys: at reset, then after each turn
    rewards: list[float]  # the env's reward of each turn
    invalid: int  # turns whose reply was not a legal action
    completion_tokens: int
    success: bool
    score: float
    end: str  # terminated, truncated (the env's reason), max_turns, or context

    @property
    def turns(self) -> int:
        return len(self.rewards)

    @property
    def total_return(self) -> float:
        return float(sum(self.rewards))


@dataclass
class RolloutTiming:
    """Where a rollout's time went, and how many tokens it generated."""

    generation_seconds: float = 0.0
    env_seconds: float = 0.0  # reset and step
    prompt_seconds: float = 0.0  # chat templates, tokenizing and decoding
    generated_tokens: int = 0

    def add(self, other: RolloutTiming) -> None:
        self.generation_seconds += other.generation_seconds
        self.env_seconds += other.env_seconds
        self.prompt_seconds += other.prompt_seconds
        self.generated_tokens += other.generated_tokens

    @property
    def seconds(self) -> float:
        return self.generation_seconds + self.env_seconds + self.prompt_seconds


class EnvPool:
    """Env instances kept across steps, by (id, split, kwargs); ``gym.make`` each at most as often as
    episodes of it run at once."""

    def __init__(self, split: str):
        self.split = split
        self._idle: dict[str, list[gym.Env]] = defaultdict(list)

    def acquire(self, task: Task) -> gym.Env:
        idle = self._idle[task.env_key]
        if idle:
            return idle.pop()
        try:
            return gym.make(task.env_id, split=self.split, **task.kwargs)
        except (TypeError, ValueError, gym.error.Error) as error:
            raise UsageError(f"cannot make {task.env_id}: {error}") from None

    def release(self, task: Task, env: gym.Env) -> None:
        self._idle[task.env_key].append(env)

    def close(self) -> None:
        for envs in self._idle.values():
            for env in envs:
                env.close()
        self._idle.clear()


@dataclass
class _Live:
    task: Task
    env: gym.Env
    tokens: TokenConversation
    observation: Any
    states: list[str]
    rewards: list[float] = field(default_factory=list)
    invalid: int = 0
    completion_tokens: int = 0
    info: dict[str, Any] = field(default_factory=dict)


def play_groups(
    tasks: list[Task],
    group_size: int,
    generator: Generator,
    tokenizer: Any,
    pool: EnvPool,
    *,
    max_turns: int,
    max_context: int,
    max_new_tokens: int,
    history_turns: int | None,
) -> tuple[list[list[Episode]], RolloutTiming]:
    """Play ``group_size`` episodes of every task, all at once; return the groups and the timing.

    An episode ends when the env ends it, after ``max_turns`` turns, or when its next prompt would leave
    no room for ``max_new_tokens`` within ``max_context`` tokens.
    """
    timing = RolloutTiming()
    groups: list[list[Episode]] = [[] for _ in tasks]
    live: list[tuple[int, _Live]] = []
    clock = time.perf_counter
    started = clock()
    for index, task in enumerate(tasks):
        for _ in range(group_size):
            env = pool.acquire(task)
            observation, info = env.reset(seed=task.seed)
            tokens = TokenConversation(tokenizer, history_turns)
            tokens.reset(info[keys.INSTRUCTIONS])
            live.append((index, _Live(task, env, tokens, observation, [info[keys.STATE_KEY]], info=info)))
    timing.env_seconds += clock() - started

    def finish(index: int, episode: _Live, end: str) -> None:
        info = episode.info
        groups[index].append(
            Episode(
                episode.task,
                episode.tokens.samples(),
                episode.states,
                episode.rewards,
                episode.invalid,
                episode.completion_tokens,
                bool(info.get(keys.SUCCESS, False)),
                float(info.get(keys.SCORE, 0.0)),
                end,
            )
        )
        pool.release(episode.task, episode.env)

    while live:
        started = clock()
        prompts, waiting = [], []
        for index, episode in live:
            ids = episode.tokens.prompt(episode.observation)
            if len(ids) + max_new_tokens > max_context:
                finish(index, episode, "context")
            else:
                prompts.append(ids)
                waiting.append((index, episode))
        timing.prompt_seconds += clock() - started
        if not waiting:
            break
        started = clock()
        completions = generator.generate(prompts)
        timing.generation_seconds += clock() - started
        live = []
        for (index, episode), completion in zip(waiting, completions):
            started = clock()
            reply = tokenizer.decode(completion, skip_special_tokens=True)
            episode.tokens.record(completion, reply)
            episode.completion_tokens += len(completion)
            timing.generated_tokens += len(completion)
            stepped = clock()
            timing.prompt_seconds += stepped - started
            observation, reward, terminated, truncated, info = episode.env.step(reply)
            timing.env_seconds += clock() - stepped
            episode.observation, episode.info = observation, info
            episode.rewards.append(float(reward))
            episode.states.append(info[keys.STATE_KEY])
            episode.invalid += not info.get(keys.ACTION_VALID, True)
            if terminated:
                finish(index, episode, "terminated")
            elif truncated:
                finish(index, episode, str(info.get(keys.TRUNCATION_REASON, "time_limit")))
            elif len(episode.rewards) >= max_turns:
                finish(index, episode, "max_turns")
            else:
                live.append((index, episode))
    return groups, timing
