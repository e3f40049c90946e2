"""The pygame window player, driven by posted key events on SDL's dummy display."""

import io

import gymnasium as gym
import pygame
import pytest
from rich.console import Console

import palaestra  # noqa: F401
from palaestra.agents.human import QuitGame, TerminalPlayer, WindowPlayer, play


def _key(key, unicode=""):
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, unicode=unicode, mod=0, scancode=0))


@pytest.fixture
def player():
    p = WindowPlayer(Console(file=open("/dev/null", "w")), "test")
    yield p
    p.close()


def test_arrow_keys_and_typed_lines(player):
    env = gym.make("Snake-Vision-v0")
    obs, _ = env.reset(seed=0)
    _key(pygame.K_UP)
    assert player.act(obs) == "up"
    for ch in "lefx":
        _key(getattr(pygame, f"K_{ch}"), ch)
    _key(pygame.K_BACKSPACE)
    _key(pygame.K_t, "t")
    _key(pygame.K_RETURN)
    assert player.act(obs) == "left"
    assert player.screen.get_size() == (256, 256 + WindowPlayer.LINE_HEIGHT)


def test_escape_quits_the_game(player):
    _key(pygame.K_ESCAPE)
    outcome = play("Snake-Vision-v0", seed=0, console=Console(file=open("/dev/null", "w")), player=player)
    assert outcome == 0


def test_escape_raises_quit_game(player):
    env = gym.make("Snake-Vision-v0")
    _key(pygame.K_ESCAPE)
    with pytest.raises(QuitGame):
        player.act(env.reset(seed=0)[0])


def test_bracketed_text_in_an_invalid_action_is_printed_literally():
    replies = iter(["[/x]"])

    def read(prompt):
        try:
            return next(replies)
        except StopIteration:
            raise EOFError from None

    out = io.StringIO()
    console = Console(file=out, width=200)
    outcome = play("Snake-Text-v0", seed=0, console=console, player=TerminalPlayer(console, read))
    assert outcome == 0
    assert "[/x]" in out.getvalue()
