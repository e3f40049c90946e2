"""Fixtures of the serving tests: a small tool env with task ids, registered with Gymnasium only
(so it stays out of palaestra's catalogue and its conformance tests)."""

from __future__ import annotations

import os
from typing import Any

import gymnasium as gym

import palaestra  # noqa: F401  (registers the env ids)
from palaestra.core import ActionError, TextEnv
from palaestra.core.tools import function_tool, parse_tool_call

os.environ["HF_HUB_OFFLINE"] = "1"
PROBE_ID = "ServingProbe-Text-v0"
PROBE_TASKS = ("count-to-2", "count-to-3")


class CountingToolEnv(TextEnv):
    """Say ``count[n]`` with the next number until the task's target; a tool env with task ids."""

    def task_ids(self):
        return PROBE_TASKS

    def tools(self) -> list[dict[str, Any]]:
        return [function_tool("count", "Say the next number.", {"number": "the next number, in digits"})]

    def _new_episode(self, options: dict[str, Any]) -> None:
        self.target = int(self.task_id.rsplit("-", 1)[1])
        self.count = 0

    def _parse(self, text: str) -> int:
        call = parse_tool_call(text)
        if call is None or call[0] != "count" or not call[1].strip().isdigit():
            raise ActionError("write count[N] with the next number N")
        return int(call[1])

    def _advance(self, number: int) -> tuple[float, bool]:
        if number != self.count + 1:
            return -0.5, False
        self.count = number
        return 1.0, self.count == self.target

    def _describe(self) -> str:
        return f"Counted to {self.count} of {self.target}."

    def _instructions(self) -> str:
        return "Count up from 1, one number a step. Example: <action>count[1]</action>"

    def _state_bytes(self) -> bytes:
        return f"{self.count}/{self.target}".encode()

    def _outcome(self) -> tuple[bool, float]:
        return self.count == self.target, self.count / self.target


if PROBE_ID not in gym.registry:
    gym.register(id=PROBE_ID, entry_point=CountingToolEnv, max_episode_steps=10)
