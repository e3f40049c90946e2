"""``palaestra.bench.bench`` with an LLM agent beside the scripted ones, over real HTTP on 127.0.0.1."""

import json

from palaestra.agents.llm.testserver import ScriptedChatServer
from palaestra.bench import bench
from palaestra.evaluation import custom_suite


def test_llm_options_go_to_the_llm_agent_only(tmp_path):
    suite = custom_suite(["SnakeDecision-Text-v0"], 1)
    with ScriptedChatServer(model="test-model") as server:
        outcome = bench(
            suite,
            tmp_path,
            specs=["random", "expert", "openai:test-model"],
            options={"base_url": server.base_url, "temperature": 0.0},
            show_progress=False,
        )
    assert not outcome.interrupted and len(outcome.boards) == 1
    options = {
        path.name: json.loads((path / "meta.json").read_text())["agent"]["options"]
        for path in outcome.run_dirs
    }
    assert options == {
        "random": {},
        "expert": {},
        "openai_test-model": {"base_url": server.base_url, "temperature": 0.0},
    }
