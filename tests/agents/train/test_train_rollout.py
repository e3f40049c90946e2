"""Rollouts as token sequences: the loss mask token by token on a known conversation, and real env play."""

from __future__ import annotations

import copy

import pytest

from palaestra.agents.train.rollout import EnvPool, TokenConversation, play_groups
from palaestra.agents.train.samplers import Task
from palaestra.core.errors import UsageError

UP = "<action>up</action>"


def _ids(tokenizer, text):
    return tokenizer.encode(text, add_special_tokens=False)


def test_full_history_masks_exactly_the_generated_tokens(tokenizer):
    eos = tokenizer.eos_token_id
    conversation = TokenConversation(tokenizer)
    conversation.reset("Rules.")
    first = conversation.prompt("Board 1")
    assert first == _ids(tokenizer, "<|system|>Rules.<|end|><|user|>Board 1<|end|><|assistant|>")
    reply0 = _ids(tokenizer, UP) + [eos]  # ended by the model's own end token
    conversation.record(reply0, UP)
    second = conversation.prompt("Board 2")
    between0 = _ids(tokenizer, "<|user|>Board 2<|end|><|assistant|>")  # the generated eos closed the turn
    assert second == first + reply0 + between0
    reply1 = _ids(tokenizer, "left")  # cut at the token limit: no end token
    conversation.record(reply1, "left")
    third = conversation.prompt("Board 3")
    between1 = _ids(tokenizer, "<|end|><|user|>Board 3<|end|><|assistant|>")  # the template closes it
    assert third == second + reply1 + between1
    reply2 = _ids(tokenizer, "<action>down</action>") + [eos]
    conversation.record(reply2, "<action>down</action>")

    [sample] = conversation.samples()
    assert sample.input_ids == third + reply2
    expected_mask = (
        [0] * len(first)
        + [1] * len(reply0)
        + [0] * len(between0)
        + [1] * len(reply1)
        + [0] * len(between1)
        + [1] * len(reply2)
    )
    expected_turns = (
        [-1] * len(first)
        + [0] * len(reply0)
        + [-1] * len(between0)
        + [1] * len(reply1)
        + [-1] * len(between1)
        + [2] * len(reply2)
    )
    for position, (token, mask, turn) in enumerate(
        zip(sample.input_ids, sample.loss_mask, sample.turn_of_token)
    ):
        assert (mask, turn) == (expected_mask[position], expected_turns[position]), (
            f"token {position} ({tokenizer.decode([token])!r})"
        )
    # the sequence is the whole conversation as the chat template writes it
    messages = [
        {"role": "system", "content": "Rules."},
        {"role": "user", "content": "Board 1"},
        {"role": "assistant", "content": UP},
        {"role": "user", "content": "Board 2"},
        {"role": "assistant", "content": "left"},
        {"role": "user", "content": "Board 3"},
        {"role": "assistant", "content": "<action>down</action>"},
    ]
    assert tokenizer.decode(sample.input_ids) == tokenizer.apply_chat_template(messages, tokenize=False)
    generated = [t for t, m in zip(sample.input_ids, sample.loss_mask) if m]
    assert generated == reply0 + reply1 + reply2


def test_a_history_window_gives_one_sequence_per_turn(tokenizer):
    eos = tokenizer.eos_token_id
    conversation = TokenConversation(tokenizer, history_turns=1)
    conversation.reset("Rules.")
    replies = [UP, "<action>left</action>", "<action>down</action>"]
    for turn, reply in enumerate(replies):
        prompt = conversation.prompt(f"Board {turn}")
        conversation.record(_ids(tokenizer, reply) + [eos], reply)
    samples = conversation.samples()
    assert len(samples) == 3
    last = samples[2]
    text = tokenizer.decode(last.input_ids)
    assert "Board 1" in text and "Board 0" not in text  # one past exchange kept
    assert last.input_ids[: len(prompt)] == prompt
    completion = _ids(tokenizer, replies[2]) + [eos]
    assert last.loss_mask == [0] * len(prompt) + [1] * len(completion)
    assert last.turn_of_token == [-1] * len(prompt) + [2] * len(completion)


def test_a_template_that_rewrites_past_turns_is_refused_in_full_history(tokenizer):
    shouting = copy.deepcopy(tokenizer)
    shouting.chat_template = tokenizer.chat_template.replace(
        "message['content']", "message['content'] | upper"
    )
    conversation = TokenConversation(shouting)
    conversation.reset("Rules.")
    conversation.prompt("Board")
    conversation.record(_ids(shouting, UP), UP)
    with pytest.raises(UsageError, match="history_turns"):
        conversation.prompt("Board 2")


class ScriptedGenerator:
    """Replies with the same text to every prompt (what a model does is not under test here)."""

    def __init__(self, tokenizer, reply: str):
        self.completion = _ids(tokenizer, reply) + [tokenizer.eos_token_id]
        self.prompts: list[list[int]] = []

    def generate(self, prompts):
        self.prompts += prompts
        return [list(self.completion) for _ in prompts]


def test_groups_play_real_episodes_of_the_same_task(tokenizer):
    generator = ScriptedGenerator(tokenizer, UP)
    pool = EnvPool("train")
    tasks = [
        Task("Snake-Text-v0", 3, {"difficulty": "easy"}),
        Task("Snake-Text-v0", 4, {"difficulty": "easy"}),
    ]
    groups, timing = play_groups(
        tasks,
        2,
        generator,
        tokenizer,
        pool,
        max_turns=3,
        max_context=4096,
        max_new_tokens=8,
        history_turns=None,
    )
    assert [len(g) for g in groups] == [2, 2]
    for group in groups:
        first, second = group
        assert first.states == second.states and first.rewards == second.rewards  # same seed, same replies
        assert first.invalid == 0 and len(first.states) == first.turns + 1 <= 4
        [sample] = first.samples
        assert sum(sample.loss_mask) == first.turns * len(generator.completion) == first.completion_tokens
    assert groups[0][0].states[0] != groups[1][0].states[0]  # another seed, another board
    assert timing.generated_tokens == sum(e.completion_tokens for g in groups for e in g)
    pool.close()


def test_garbage_replies_are_invalid_turns_and_end_in_forfeit(tokenizer):
    generator = ScriptedGenerator(tokenizer, "fly")
    pool = EnvPool("train")
    [[episode]], _ = play_groups(
        [Task("Snake-Text-v0", 0, {"difficulty": "easy"})],
        1,
        generator,
        tokenizer,
        pool,
        max_turns=20,
        max_context=4096,
        max_new_tokens=8,
        history_turns=0,
    )
    assert episode.end == "invalid_actions" and episode.invalid == episode.turns == 5
    assert episode.rewards == [-0.1] * 5 and episode.score == 0.0
    assert len(episode.samples) == 5  # a window of 0 turns: one sequence per turn
    texts = [tokenizer.decode(s.input_ids) for s in episode.samples]
    assert all(text.count("<|user|>") == 1 for text in texts)  # no past exchange is sent
    assert all("Invalid action" in text for text in texts[1:])
    pool.close()


def test_an_episode_stops_when_the_context_is_full(tokenizer):
    generator = ScriptedGenerator(tokenizer, UP)
    pool = EnvPool("train")
    [[episode]], _ = play_groups(
        [Task("Snake-Text-v0", 0, {"difficulty": "easy"})],
        1,
        generator,
        tokenizer,
        pool,
        max_turns=50,
        max_context=900,
        max_new_tokens=8,
        history_turns=None,
    )
    assert episode.end == "context" and 0 < episode.turns < 50
    assert len(generator.prompts[-1]) + 8 <= 900
    pool.close()


def test_a_one_env_template_leaves_the_rules_and_the_board_out():
    """``system_turn = False`` drops the instructions; ``observation_lines = 2`` keeps Snake's status."""
    import gymnasium as gym
    import jinja2

    from palaestra.agents.llm.tiny_model import CHAT_TEMPLATE
    from palaestra.agents.train.policy import tiny_chat_template

    assert tiny_chat_template() == CHAT_TEMPLATE
    observation, info = gym.make("Snake-Text-v0", difficulty="easy").reset(seed=0)
    messages = [
        {"role": "system", "content": info["instructions"]},
        {"role": "user", "content": observation},
        {"role": "assistant", "content": "<action>up</action>\nso"},
    ]
    rendered = jinja2.Template(tiny_chat_template(False, 2)).render(messages=messages)
    status = "\n".join(observation.splitlines()[-2:])
    assert rendered == f"<|user|>{status}<|end|><|assistant|><action>up</action>\nso<|end|>"
    kept = jinja2.Template(tiny_chat_template(True, 0)).render(messages=messages)
    assert info["instructions"] in kept and observation in kept
