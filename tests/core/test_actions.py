import pytest

from palaestra.core import extract_action, normalize, quote


@pytest.mark.parametrize(
    "reply,action",
    [
        ("up", "up"),
        ("  up \n", "up"),
        ("<action>left</action>", "left"),
        ("<ACTION> Left </Action>", "Left"),
        ("first <action>up</action> then <action>down</action>", "down"),
        ("<think>maybe <action>up</action></think> right", "right"),
        ("<think>left or right</think>\nright", "right"),
        ("the template opened the thought</think> down", "down"),
        ("<think>never closed", ""),
        ("<action>", "<action>"),
        ("", ""),
        ("a < b so go up", "a < b so go up"),
    ],
)
def test_extract_action(reply, action):
    assert extract_action(reply) == action


def test_extract_action_handles_a_megabyte_quickly():
    reply = "x" * (1 << 20) + "<action>up</action>"
    assert extract_action(reply) == "up"


def test_normalize_folds_case_and_space():
    assert normalize("  Go\tUP \n now ") == "go up now"


def test_quote_shortens_long_text_inside_the_quotes():
    assert quote("jump") == "'jump'"
    assert quote("x" * 40) == repr("x" * 40)
    assert quote("x" * 41) == repr("x" * 40 + "...")
    assert quote("it's", limit=2) == repr("it...")
