"""The code-task base on a tiny task: tools, the real sandboxed session, turn budget, grading, cleanup."""

import sqlite3
import threading
import time

import pytest

from palaestra.core import info as keys
from palaestra.core.conformance import _children
from palaestra.core.tools import function_tool, tool_call_text
from palaestra.envs.medical.code_env import CodeTask, CodeTaskEnv, TaskTool
from palaestra.sandboxes import available_backends

pytestmark = pytest.mark.skipif(not available_backends(), reason="no sandbox backend works here")


HINT = function_tool("hint", "How numbers.txt is laid out.", {})


class ProductEnv(CodeTaskEnv):
    """Multiply the two numbers in numbers.txt; a ``hint[]`` tool says how the file is laid out."""

    def __init__(self, grader=None, **kwargs):
        super().__init__(**kwargs)
        self.grader = grader

    def _new_task(self, options):
        a, b = (int(x) for x in self.np_random.integers(10, 100, size=2))
        self.product = a * b

        def grade(answer: str) -> float:
            return float(answer.strip() == str(self.product))

        return CodeTask(
            key=f"{a}*{b}",
            question="What is the product of the two numbers in numbers.txt?",
            grade=self.grader or grade,
            files={"numbers.txt": f"{a}\n{b}\n"},
            rules="Answer with the integer alone.",
            expert_answer=str(self.product),
            tools=(TaskTool(HINT, lambda argument: "one integer per line"),),
        )


def step_ok(env, action):
    result = env.step(action)
    assert result[4][keys.ACTION_VALID], result[4][keys.ACTION_ERROR]
    return result


@pytest.fixture
def env():
    env = ProductEnv(cell_timeout=2)
    env.reset(seed=0)
    yield env
    env.close()


def test_cells_share_state_see_the_files_and_the_answer_is_graded(env):
    obs, *_ = step_ok(env, "run_python[a, b = map(int, open('numbers.txt').read().split())]")
    assert "[no output]" in obs and "turn 1 of 15" in obs
    obs, reward, terminated, truncated, info = step_ok(env, "run_python[```python\nprint(a * b)\n```]")
    assert obs.startswith(str(env.product)) and reward == 0.0 and not terminated
    obs, reward, terminated, truncated, info = step_ok(env, f"<action>answer[ {env.product} ]</action>")
    assert reward == 1.0 and terminated and info[keys.SUCCESS] and info[keys.SCORE] == 1.0
    assert "correct" in obs


def test_a_wrong_answer_scores_zero_and_ends_the_episode(env):
    obs, reward, terminated, truncated, info = step_ok(env, f"answer[{env.product + 1}]")
    assert reward == 0.0 and terminated and not info[keys.SUCCESS] and "incorrect" in obs


def test_family_tools_are_declared_and_called_and_tool_calls_map_to_text():
    env = ProductEnv()
    _, info = env.reset(seed=1)
    names = [tool["function"]["name"] for tool in info[keys.TOOLS]]
    assert names == ["run_python", "answer", "hint"]
    obs, *_ = step_ok(env, tool_call_text("hint", {}, info[keys.TOOLS]))
    assert obs.startswith("one integer per line")
    action = tool_call_text("run_python", {"code": "print(open('numbers.txt').read())"}, info[keys.TOOLS])
    obs, *_ = step_ok(env, action)
    assert obs.split()[:2] == [str(n) for n in env.task.files["numbers.txt"].split()]
    env.close()


@pytest.mark.parametrize(
    "action",
    ["print(1)", "answer[]", "answer[  ]", "run_python[ ]", "hint[now]", "shell[ls]", "run_python(print(1))"],
)
def test_text_outside_the_grammar_is_invalid_and_changes_nothing(env, action):
    key = env.state_key
    obs, reward, terminated, truncated, info = env.step(action)
    assert not info[keys.ACTION_VALID] and info[keys.ACTION_ERROR]
    assert reward == env.invalid_action_reward and not terminated and env.state_key == key


def test_a_crashing_or_timed_out_cell_ends_nothing(env):
    step_ok(env, "run_python[x = 5]")
    obs, reward, terminated, truncated, _ = step_ok(env, "run_python[import os; os._exit(7)]")
    assert "exited with code 7" in obs and "state is lost" in obs and not (terminated or truncated)
    obs, *_ = step_ok(env, "run_python[print('x' in globals())]")
    assert obs.startswith("False")  # a fresh interpreter
    start = time.monotonic()
    obs, reward, terminated, truncated, _ = step_ok(env, "run_python[while True: pass]")
    assert time.monotonic() - start < 2 + 2
    assert "time limit" in obs and not (terminated or truncated)
    obs, *_ = step_ok(env, "run_python[print(open('numbers.txt').read().split()[0])]")
    assert obs.split()[0] == env.task.files["numbers.txt"].split()[0]  # the files are written again
    obs, reward, terminated, truncated, info = step_ok(env, "run_python[1/0]")
    assert "ZeroDivisionError" in obs and not (terminated or truncated)
    obs, reward, terminated, truncated, info = step_ok(env, "run_python[x = bytearray(8 * 1024**3)]")
    assert "MemoryError" in obs and not (terminated or truncated)
    killer = "run_python[import os, signal; os.kill(os.getpid(), signal.SIGKILL)]"
    obs, reward, terminated, truncated, info = step_ok(env, killer)
    assert "was killed" in obs and "state is lost" in obs and not (terminated or truncated)
    obs, *_ = step_ok(env, "run_python[print(6 * 7)]")
    assert obs.startswith("42")


def test_long_output_is_clipped_with_its_end_visible(env):
    obs, *_ = step_ok(env, "run_python[print('a' * 50000); print('THE END')]")
    assert "characters cut" in obs and "THE END" in obs and len(obs) < env.output_limit + 100


def test_the_turn_budget_truncates_without_success():
    env = ProductEnv(max_turns=3)
    env.reset(seed=0)
    for turn in range(1, 4):
        *_, terminated, truncated, info = step_ok(env, "run_python[1]")
        assert truncated == (turn == 3) and not terminated
    assert info[keys.TRUNCATION_REASON] == "turn_limit" and info[keys.SCORE] == 0.0
    env.close()


def test_a_failing_grader_is_a_world_failure_not_the_agents():
    def broken(answer):
        raise RuntimeError("grader down")

    env = ProductEnv(grader=broken)
    env.reset(seed=0)
    *_, truncated, info = env.step("answer[1]")
    assert truncated and info[keys.TRUNCATION_REASON] == "env_error" and "grader down" in info[keys.ENV_ERROR]
    env.close()


def test_same_seed_and_actions_same_trajectory():
    def play():
        env = ProductEnv()
        trace = [env.reset(seed=4)]
        for action in ("run_python[print(open('numbers.txt').read())]", "hint[]", "answer[12]"):
            trace.append(env.step(action))
        env.close()
        return trace

    assert play() == play()


def test_expert_answers_right():
    env = ProductEnv()
    for seed in range(3):
        env.reset(seed=seed)
        *_, info = step_ok(env, env.expert_action())
        assert info[keys.SUCCESS]
    env.close()


def test_reset_and_close_leave_no_process_behind():
    before = _children()
    env = ProductEnv()
    env.reset(seed=0)
    step_ok(env, "run_python[import subprocess; subprocess.Popen(['sleep', '60'])]")
    assert _children() - before  # the sandbox is running
    env.reset(seed=1)  # the episode's session is closed at reset
    _wait_for(lambda: not (_children() - before))
    step_ok(env, "run_python[import time; time.sleep(0.1)]")
    worker = threading.Thread(target=env.step, args=("run_python[import time; time.sleep(30)]",))
    worker.start()
    time.sleep(0.5)
    env.close()  # from another thread, while a cell runs
    worker.join(timeout=10)
    assert not worker.is_alive()
    env.close()
    _wait_for(lambda: not (_children() - before))


def _wait_for(condition, seconds=5.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "processes left behind"
        time.sleep(0.05)


class DatabaseEnv(CodeTaskEnv):
    """Count the rows of a SQLite database placed in the work directory as bytes."""

    def __init__(self, database: bytes, **kwargs):
        super().__init__(**kwargs)
        self.database = database

    def _new_task(self, options):
        return CodeTask(
            key="ehr",
            question="How many admissions are there?",
            grade=lambda answer: float(answer == "3"),
            files={"ehr.db": self.database},
        )


def test_a_database_file_reaches_the_sandbox(tmp_path):
    path = tmp_path / "ehr.db"
    with sqlite3.connect(path) as connection:
        connection.execute("create table admissions (id integer)")
        connection.executemany("insert into admissions values (?)", [(1,), (2,), (3,)])
    connection.close()
    env = DatabaseEnv(path.read_bytes())
    obs, info = env.reset(seed=0)
    assert "ehr.db" in obs and "ehr.db" in info[keys.INSTRUCTIONS]
    query = "sqlite3.connect('ehr.db').execute('select count(*) from admissions').fetchone()[0]"
    obs, *_ = step_ok(env, f"run_python[import sqlite3\nprint({query})]")
    assert obs.startswith("3")
    *_, terminated, truncated, info = step_ok(env, "answer[3]")
    assert terminated and info[keys.SUCCESS]
    env.close()


@pytest.mark.parametrize(
    "kwargs, message",
    [({"max_turns": 0}, "max_turns"), ({"cell_timeout": 0}, "cell_timeout"), ({"memory_mb": 64}, "memory_mb"),
     ({"output_limit": 10}, "output_limit")],
)  # fmt: skip
def test_bad_settings_are_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ProductEnv(**kwargs)
