"""Shared helpers of the evaluation tests: running the real CLI, and test-only agents."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from palaestra.agents import ExpertAgent, register_agent
from palaestra.agents.base import AgentError, ScriptedAgent

# The installed console script, as a user runs it.
CLI = [str(Path(sys.executable).with_name("palaestra"))]


def cli_env() -> dict[str, str]:
    return {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy", "COLUMNS": "200"}


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CLI, *args], check=False, capture_output=True, text=True, timeout=timeout, env=cli_env()
    )


def start_cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [*CLI, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=cli_env()
    )


class FaultyAgent(ScriptedAgent):
    """Misbehaves by episode seed: 0 raises, 1 hangs, 2 replies with a non-string, 3 plays the expert.

    Registered as ``test-faulty``; ``test-flaky`` fails the first call of every episode, then works.
    """

    name = "test-faulty"

    def __init__(self, env: Any, seed: int, flaky: bool):
        super().__init__()
        self.expert = ExpertAgent(env)
        self.mode = "flaky" if flaky else ("raise", "hang", "garbage", "expert")[seed % 4]
        self.calls = 0

    async def aact(self, observation: Any) -> Any:
        self.calls += 1
        if self.mode == "raise":
            raise RuntimeError("model server exploded")
        if self.mode == "hang":
            await asyncio.sleep(3600)
        if self.mode == "garbage":
            return {"not": "text"}
        if self.mode == "flaky" and self.calls == 1:
            raise ConnectionError("transient")
        self.usage["completion_tokens"] += 1
        return self.expert.act(observation)


class GivingUpAgent(ScriptedAgent):
    """Raises ``AgentError``, as an LLM backend does once its own retries are spent (``test-gives-up``)."""

    calls = 0  # across every instance: the test counts how often the runner asked

    async def aact(self, observation: Any) -> Any:
        GivingUpAgent.calls += 1
        raise AgentError("endpoint http://127.0.0.1:9/v1 answered 404 after 1 attempt")


class TextGarbageAgent(ScriptedAgent):
    """Replies with text no env accepts (``test-babble``): invalid actions, never an error."""

    def act(self, observation: Any) -> str:
        return "\x00 <action>fly to the moon</action> 🐍"


register_agent("test-faulty", lambda arg, **_: lambda env, seed=None: FaultyAgent(env, seed, flaky=False))
register_agent("test-flaky", lambda arg, **_: lambda env, seed=None: FaultyAgent(env, seed, flaky=True))
register_agent("test-gives-up", lambda arg, **_: lambda env, seed=None: GivingUpAgent())
register_agent("test-babble", lambda arg, **_: lambda env, seed=None: TextGarbageAgent())
# Takes any option, as a third-party backend might (the built-in agents refuse unknown ones).
register_agent("test-any-options", lambda arg, **_: lambda env, seed=None: ExpertAgent(env))


def episodes_lines(run_dir: Path) -> list[str]:
    return (run_dir / "episodes.jsonl").read_text(encoding="utf-8").splitlines()
