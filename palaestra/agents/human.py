"""A person as the agent: ``palaestra play`` in the terminal, or in a pygame window for images.

``TerminalPlayer`` prints each observation and reads a line from standard input. ``WindowPlayer``
shows the observation image in a window with a line to type into: Enter sends the line, the arrow
keys send ``up``/``down``/``left``/``right`` at once, Escape or closing the window quits. Without a
display (SDL falls back to its ``offscreen`` or ``dummy`` driver, where a window is never seen and
``play`` would wait for keys forever), ``play`` refuses ``-Vision-`` ids with a ``UsageError``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
from rich.console import Console
from rich.markup import escape

from palaestra.agents.base import ScriptedAgent
from palaestra.core import info as keys
from palaestra.core.errors import UsageError

# SDL's video drivers that show nothing: what it picks when there is no display.
HEADLESS_DRIVERS = ("offscreen", "dummy")


class QuitGame(Exception):
    """The person asked to stop."""


class TerminalPlayer(ScriptedAgent):
    name = "human"

    def __init__(self, console: Console, read: Callable[[str], str] = input):
        super().__init__()
        self.console = console
        self.read = read

    def reset(self, instructions: str) -> None:
        super().reset(instructions)
        self.console.rule("How to play")
        self.console.print(instructions, markup=False)
        self.console.rule()

    def act(self, observation: Any) -> str:
        text = observation["text"] if isinstance(observation, dict) else observation
        self.console.print(text, markup=False)
        try:
            return self.read("action> ")
        except EOFError:
            raise QuitGame from None


class WindowPlayer(TerminalPlayer):
    """Shows the image and reads the action in a pygame window; the text still goes to the terminal."""

    ARROWS = {"up": "up", "down": "down", "left": "left", "right": "right"}
    LINE_HEIGHT = 28

    def __init__(self, console: Console, title: str = "palaestra"):
        super().__init__(console)
        import pygame

        self.pygame = pygame
        pygame.init()
        pygame.display.set_caption(title)
        self.font = pygame.font.Font(None, 24)
        self.screen = None

    def act(self, observation: Any) -> str:
        self.console.print(observation["text"], markup=False)
        return self._read_line(observation["image"])

    def _read_line(self, image: np.ndarray) -> str:
        pg = self.pygame
        height, width = image.shape[:2]
        if self.screen is None:
            self.screen = pg.display.set_mode((width, height + self.LINE_HEIGHT))
        frame = pg.surfarray.make_surface(np.ascontiguousarray(image.transpose(1, 0, 2)))
        line = ""
        while True:
            self.screen.fill((0, 0, 0))
            self.screen.blit(frame, (0, 0))
            prompt = self.font.render(f"action> {line}_", True, (230, 230, 230))
            self.screen.blit(prompt, (6, height + 5))
            pg.display.flip()
            event = pg.event.wait()
            if event.type == pg.QUIT or (event.type == pg.KEYDOWN and event.key == pg.K_ESCAPE):
                raise QuitGame
            if event.type != pg.KEYDOWN:
                continue
            name = pg.key.name(event.key)
            if name in self.ARROWS and not line:
                return self.ARROWS[name]
            if event.key == pg.K_RETURN:
                return line
            if event.key == pg.K_BACKSPACE:
                line = line[:-1]
            elif event.unicode and event.unicode.isprintable():
                line += event.unicode

    def close(self) -> None:
        self.pygame.display.quit()


def require_display(env_id: str) -> None:
    """``UsageError`` unless pygame can open a window that a person will see."""
    import pygame

    try:
        pygame.display.init()
        driver = pygame.display.get_driver()
    except pygame.error as err:
        driver = str(err)
    if driver in HEADLESS_DRIVERS or not pygame.display.get_init():
        pygame.display.quit()
        raise UsageError(
            f"{env_id} shows the game as an image, and no display is available (SDL video: {driver}); "
            f"play {env_id.replace('-Vision-', '-Text-')} in the terminal, or run where a window can open"
        )


def play(
    env_id: str,
    *,
    seed: int,
    console: Console,
    player: TerminalPlayer | None = None,
    env_kwargs: dict[str, Any] | None = None,
) -> int:
    """Play one episode of ``env_id`` made with ``env_kwargs``; returns a process exit code (0 played or
    quit). Without ``player``, -Vision- ids open a window (``require_display``), others use the terminal."""
    env = gym.make(env_id, **(env_kwargs or {}))
    vision = isinstance(env.observation_space, gym.spaces.Dict)
    if player is None:
        if vision:
            try:
                require_display(env_id)
            except UsageError:
                env.close()
                raise
        player = WindowPlayer(console, env_id) if vision else TerminalPlayer(console)
    obs, info = env.reset(seed=seed)
    player.reset(info[keys.INSTRUCTIONS])
    total = 0.0
    try:
        while True:
            obs, reward, terminated, truncated, info = env.step(player.act(obs))
            total += reward
            if not info[keys.ACTION_VALID]:
                # The error quotes the player's text, which may contain markup-like brackets.
                console.print(f"[yellow]Invalid action:[/] {escape(info[keys.ACTION_ERROR])}")
            if terminated or truncated:
                break
    except QuitGame:
        console.print("Stopped.")
        return 0
    finally:
        if isinstance(player, WindowPlayer):
            player.close()
        env.close()
    text = obs["text"] if vision else obs
    console.print(text, markup=False)
    outcome = "won" if info[keys.SUCCESS] else "over"
    console.print(
        f"Game {outcome}: return {total:.2f}, score {info[keys.SCORE]:.2f}, {info[keys.TURN]} turns."
    )
    return 0
