"""The conversation sent to every backend: system prompt, few-shot turns, history window, image parts."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
import pytest
from PIL import Image

from palaestra.agents.llm.prompting import (
    Conversation,
    HistoryWindow,
    encode_png_data_url,
    estimate_tokens,
    load_few_shot,
    observation_message,
)
from palaestra.agents.llm.settings import Sampling, check_options, split_common
from palaestra.core.errors import UsageError


def char_count(message):
    """A counter easy to reason about: one token per character of text."""
    content = message["content"]
    return len(content) if isinstance(content, str) else sum(len(p.get("text", "")) for p in content)


def test_text_observation_is_a_user_turn():
    assert observation_message("Turn 0.") == {"role": "user", "content": "Turn 0."}


def test_vision_observation_has_a_text_part_and_a_png_part_that_decodes_to_the_image():
    image = np.random.default_rng(0).integers(0, 256, (12, 20, 3), dtype=np.uint8)
    message = observation_message({"text": "board", "image": image})
    text, picture = message["content"]
    assert text == {"type": "text", "text": "board"}
    prefix, data = picture["image_url"]["url"].split(",", 1)
    assert prefix == "data:image/png;base64"
    decoded = np.asarray(Image.open(io.BytesIO(base64.b64decode(data))))
    np.testing.assert_array_equal(decoded, image)


@pytest.mark.parametrize("bad", [None, 3, {"image": np.zeros((2, 2, 3), np.uint8)}, ["text"]])
def test_other_observations_are_refused(bad):
    with pytest.raises(TypeError, match="observation must be"):
        observation_message(bad)


def test_images_must_be_rgb_uint8():
    with pytest.raises(ValueError, match="uint8 array of shape"):
        encode_png_data_url(np.zeros((4, 4), np.uint8))
    with pytest.raises(ValueError, match="uint8 array of shape"):
        encode_png_data_url(np.zeros((4, 4, 3), np.float32))


def test_estimate_is_a_quarter_of_the_characters_plus_overheads():
    assert estimate_tokens({"role": "user", "content": "x" * 40}) == 10 + 4
    assert estimate_tokens({"role": "user", "content": "x" * 41}) == 11 + 4
    with_image = observation_message({"text": "x" * 8, "image": np.zeros((4, 4, 3), np.uint8)})
    assert estimate_tokens(with_image) == 2 + 4 + 765


def play(conversation, steps):
    """Feed ``steps`` observations obs-0, obs-1 ... with replies reply-0 ...; return the last prompt."""
    conversation.reset("RULES")
    for step in range(steps):
        conversation.prompt(f"obs-{step}")
        conversation.record(f"reply-{step}")
    return conversation.prompt(f"obs-{steps}")


def test_unbounded_history_keeps_every_exchange_in_order():
    messages = play(Conversation(), 3)
    assert [m["content"] for m in messages] == [
        "RULES",
        "obs-0",
        "reply-0",
        "obs-1",
        "reply-1",
        "obs-2",
        "reply-2",
        "obs-3",
    ]
    assert [m["role"] for m in messages] == ["system"] + ["user", "assistant"] * 3 + ["user"]


@pytest.mark.parametrize("turns", [0, 1, 2, 5])
def test_turn_window_keeps_the_system_prompt_and_the_newest_exchanges(turns):
    messages = play(Conversation(HistoryWindow(turns=turns)), 4)
    expected = ["RULES"]
    for step in range(max(0, 4 - turns), 4):
        expected += [f"obs-{step}", f"reply-{step}"]
    assert [m["content"] for m in messages] == expected + ["obs-4"]


@pytest.mark.parametrize("bound", [12, 40, 41, 60, 1000])
def test_token_window_keeps_the_newest_exchanges_that_fit(bound):
    # system 5 tokens ("RULES"), each exchange 5 + 7 = 12, the newest observation 5.
    conversation = Conversation(HistoryWindow(tokens=bound), count_tokens=char_count)
    messages = play(conversation, 6)
    assert messages[0]["content"] == "RULES" and messages[-1]["content"] == "obs-6"
    total = sum(char_count(m) for m in messages)
    fitting = max(0, min(6, (bound - 10) // 12))
    assert len(messages) == 2 + 2 * fitting
    assert total <= max(bound, 10)
    kept_steps = [int(m["content"].split("-")[1]) for m in messages[1:-1:2]]
    assert kept_steps == list(range(6 - fitting, 6))


def test_newest_observation_is_sent_even_over_the_token_bound():
    conversation = Conversation(HistoryWindow(tokens=3), count_tokens=char_count)
    messages = play(conversation, 2)
    assert [m["content"] for m in messages] == ["RULES", "obs-2"]


def test_few_shot_turns_follow_the_system_prompt_and_always_stay(tmp_path):
    path = tmp_path / "shots.json"
    shots = [{"role": "user", "content": "ex-obs"}, {"role": "assistant", "content": "ex-act"}]
    path.write_text(json.dumps(shots))
    conversation = Conversation(HistoryWindow(turns=1), few_shot=load_few_shot(path))
    messages = play(conversation, 3)
    assert [m["content"] for m in messages] == ["RULES", "ex-obs", "ex-act", "obs-2", "reply-2", "obs-3"]


@pytest.mark.parametrize(
    "content, error",
    [
        ("not json", "not valid JSON"),
        ("[]", "non-empty JSON list"),
        ('[{"role": "assistant", "content": "a"}]', "turn 0"),
        ('[{"role": "user", "content": "a"}]', "end with an assistant turn"),
        ('[{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]', "turn 1"),
    ],
)
def test_bad_few_shot_files_are_refused(tmp_path, content, error):
    path = tmp_path / "shots.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=error):
        load_few_shot(path)


def test_a_failed_request_leaves_the_history_unchanged():
    conversation = Conversation()
    conversation.reset("RULES")
    first = conversation.prompt("obs-0")
    assert conversation.prompt("obs-0") == first  # a retry sends the same messages
    conversation.record("reply-0")
    with pytest.raises(RuntimeError, match="needs a prompt"):
        conversation.record("again")


def test_prompt_before_reset_is_an_error():
    with pytest.raises(RuntimeError, match="reset"):
        Conversation().prompt("obs")


def test_unknown_options_are_all_named():
    with pytest.raises(UsageError, match="bogus, device") as err:
        check_options("openai", {"temperature": 0.5, "device": "cpu", "bogus": 1}, ["base_url"])
    assert "base_url" in str(err.value)


def test_an_option_that_is_not_a_number_is_named():
    with pytest.raises(UsageError, match="option temperature must be a number .float., got 'hot'"):
        split_common({"temperature": "hot"})


def test_common_options_become_sampling_and_window_settings():
    sampling, prompt, rest = split_common(
        {"temperature": "0.5", "stop": "END", "sampling_seed": 3, "history_turns": 2, "base_url": "u"}
    )
    assert sampling == Sampling(temperature=0.5, stop=("END",), seed=3)
    assert prompt.window == HistoryWindow(turns=2) and prompt.few_shot == ()
    assert rest == {"base_url": "u"}


@pytest.mark.parametrize("bad", [{"temperature": -1}, {"top_p": 0}, {"max_tokens": 0}])
def test_bad_sampling_values_are_refused(bad):
    with pytest.raises(ValueError):
        Sampling(**bad)
