"""ALFWorld-v0 and the exporter: Household homes written as ALFWorld games, played by ALFWorld's engine.

The engine (the ``alfworld`` extra) is real: TextWorld's PDDL environment on Fast Downward with
ALFWorld's domain, grammar and demangler. Without the extra, the tests that need it skip, saying how
to install it; the shared conformance checks run on the games of ``tests/envs/conftest.py``.
"""

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

from palaestra.core import env_entry
from palaestra.core import info as keys
from palaestra.core.errors import EnvError, UsageError
from palaestra.core.registry import missing_extra
from palaestra.envs.household import language
from palaestra.envs.household.catalog import OBJECTS, ROOMS, TASK_TYPES
from palaestra.envs.household.env import HouseholdEnv
from palaestra.envs.household.export import (
    ALFRED_NAMES,
    GAME,
    PROBLEM,
    TRAJ_DATA,
    expert_plan,
    export_game,
    problem_text,
    traj_data,
)
from palaestra.envs.household.world import EXAMINE

MISSING = missing_extra("alfworld")
needs_engine = pytest.mark.skipif(MISSING is not None, reason=f"ALFWorld's engine: {MISSING}")


def home(task_type, seed=0, **settings):
    """A fresh Household home of ``task_type`` (and the env that made it, on that episode)."""
    env = HouseholdEnv(rooms=1, distractors=3, task_types=(task_type,), **settings)
    obs, info = env.reset(seed=seed)
    return env, obs, info


def test_every_household_kind_has_alfworlds_name():
    kinds = {kind for room in ROOMS.values() for kind, _, _ in room.receptacles}
    kinds |= set(OBJECTS) | {room.lamp for room in ROOMS.values() if room.lamp}
    assert kinds <= set(ALFRED_NAMES)
    if MISSING is None:
        from alfworld.gen.constants import OBJECTS as ALFRED_OBJECTS

        assert set(ALFRED_NAMES.values()) <= set(ALFRED_OBJECTS)


def test_the_problem_holds_the_home_in_alfworlds_terms():
    env, _, _ = home("pick_heat_then_place_in_recep", seed=2)
    world = env.world
    problem = problem_text(world)
    assert problem.startswith("(define (problem household)\n    (:domain alfred)")
    assert "(atLocation agent1 loc_bar_00)" in problem
    assert "(exists (?r - receptacle ?o - object)" in problem and "(isHot ?o)" in problem
    lamps = [t for t in world.things.values() if t.is_lamp]
    assert problem.count(" - object\n") == len(world.things)
    assert problem.count(" - receptacle\n") == len(world.receptacles)
    assert problem.count("(toggleable ") == len(lamps) and problem.count("(pickupable ") == len(
        world.things
    ) - len(lamps)
    heatable = [t for t in world.things.values() if not t.is_lamp and OBJECTS[t.kind].heatable]
    assert problem.count("(heatable ") == len(heatable) > 0
    openable = [r for r in world.receptacles.values() if r.openable]
    assert problem.count("(openable ") == len(openable) > 0
    for thing in world.things.values():
        assert f" {ALFRED_NAMES[thing.kind]}Type)" in problem
    # Household's numbers survive ALFWorld's demangling: kind k of n sorts at place n - k
    assert "(receptacleType Microwave_bar_00 MicrowaveType)" in problem
    assert "Sink_bar_00_bar_SinkBasin - receptacle" in problem  # a basin is named after its sink
    data = traj_data(world, "trial_0")
    assert data["task_type"] == world.task.type and data["task_id"] == "trial_0"
    assert data["pddl_params"]["object_target"] == ALFRED_NAMES[world.task.obj]
    assert data["turk_annotations"]["anns"][0]["task_desc"] == language.task_sentence(world)
    env.step(env.expert_action())
    with pytest.raises(ValueError, match="nothing has been done"):
        problem_text(env.world)


def test_the_walkthrough_is_the_household_experts_plan():
    env, _, _ = home("pick_two_obj_and_place", seed=1)
    plan = expert_plan(env.world)
    assert env.world.location is None  # planned on a copy
    for command in plan:
        *_, terminated, _, _ = env.step(command)
    assert terminated and env.world.won


@pytest.mark.slow
@needs_engine
@pytest.mark.parametrize("task_type", TASK_TYPES)
def test_alfworlds_engine_plays_an_exported_home_as_household_does(task_type, tmp_path):
    """Along the expert's plan, the engine's texts are Household's, word for word, and it wins when
    Household does. Its admissible commands are Household's valid actions with two differences of
    the engine: it lists ``help``, and it examines only objects held (its domain's other case of
    ``examineObject`` never applies)."""
    from palaestra.envs.household.alfworld_env import Engine

    env, obs, info = home(task_type, seed=3)
    folder = export_game(env.world, tmp_path / "game")
    assert sorted(p.name for p in folder.iterdir()) == sorted([GAME, PROBLEM, TRAJ_DATA])
    game = json.loads((folder / GAME).read_text())
    assert game["solvable"] and game["pddl_problem"] == (folder / PROBLEM).read_text()
    engine = Engine()
    try:
        state = engine.start(folder / GAME)
        for command in [None, *game["walkthrough"]]:
            if command is not None:
                obs, reward, terminated, _, info = env.step(command)
                state = engine.step(command)
                assert state["won"] == terminated
            assert state.feedback == obs
            world = env.world
            unheld = {f"{EXAMINE} {name}" for name in world.things if name != world.held}
            expected = sorted((set(info[keys.VALID_ACTIONS]) - unheld) | {"help"})
            assert state["admissible_commands"] == expected
        assert state["won"] and terminated
    finally:
        engine.close()
        engine.close()


@pytest.fixture
def games(alfworld_games, monkeypatch):
    monkeypatch.setenv("PALAESTRA_ALFWORLD_DIR", str(alfworld_games))
    return alfworld_games


def test_splits_and_task_ids_are_alfworlds(games):
    env = gym.make("ALFWorld-v0", split="valid_unseen")
    ids = env.unwrapped.task_ids()
    assert list(ids) == sorted(ids)
    assert sorted(i.rsplit("/", 1)[1] for i in ids) == [f"trial_household_test_{n}" for n in range(3)]
    task_id = ids[0]
    obs, info = env.reset(seed=0, options={"task_id": task_id})
    assert info[keys.TASK_ID] == task_id and obs.startswith("-= Welcome to TextWorld, ALFRED! =-")
    sentence = json.loads((games / "valid_unseen" / task_id / TRAJ_DATA).read_text())
    assert f"Your task is to: {sentence['turk_annotations']['anns'][0]['task_desc']}" in obs
    assert (
        f"Your task is to: {sentence['turk_annotations']['anns'][0]['task_desc']}" in info[keys.INSTRUCTIONS]
    )
    with pytest.raises(ValueError, match="unknown task_id"):
        env.reset(options={"task_id": "pick_and_place_simple-Mug-None-Desk-1/trial_0"})
    env.close()
    # a folder whose game is unsolvable, or without its game file, is no game (as ALFWorld skips it)
    broken = games.parent / "broken" / "train" / "a" / "trial_0"
    broken.mkdir(parents=True)
    (broken / TRAJ_DATA).write_text("{}")
    (broken / GAME).write_text(json.dumps({"solvable": False}))
    assert gym.make("ALFWorld-v0", data_path=games.parent / "broken").unwrapped.task_ids() == ()
    # the folder that holds json_2.1.1 works as well as json_2.1.1 itself
    assert gym.make("ALFWorld-v0", data_path=games.parent, split="valid_unseen").unwrapped.task_ids() == ids


@needs_engine
def test_text_without_a_commands_form_is_invalid_and_other_commands_are_the_engines_to_answer(games):
    env = gym.make("ALFWorld-v0")
    obs, info = env.reset(seed=0)
    for text, error in [
        ("fly to the moon", "is not a command"),
        ("go to fridge 9", "no receptacle called 'fridge 9'"),
    ]:
        obs, reward, terminated, truncated, info = env.step(text)
        assert not info[keys.ACTION_VALID] and error in info[keys.ACTION_ERROR] and reward == -0.1
    receptacle = env.unwrapped._receptacles[0]
    obs, reward, *_, info = env.step(f"  Take MUG 9 from {receptacle.upper()} ")  # valid, and impossible
    assert info[keys.ACTION_VALID] and obs == "Nothing happens." and reward == 0.0
    obs, *_, info = env.step("<action>LOOK</action>")
    assert info[keys.ACTION_VALID] and obs.startswith("You are in the middle of a room.")
    obs, *_, info = env.step("help")  # the engine's own command
    assert info[keys.ACTION_VALID] and "Available commands" in obs
    env.close()


@pytest.mark.slow
@needs_engine
def test_the_expert_follows_the_walkthrough_then_the_engines_planner(games):
    env = gym.make("ALFWorld-v0", split="train")
    base = env.unwrapped
    rng = np.random.default_rng(0)
    for seed in range(3):
        obs, info = env.reset(seed=seed)
        walkthrough = json.loads((games / "train" / base.task_id / GAME).read_text())["walkthrough"]
        assert base.expert_action() == walkthrough[0]
        for _ in range(4):  # wander off the walkthrough: the planner takes over from there
            *_, terminated, _, info = env.step(
                info[keys.VALID_ACTIONS][rng.integers(len(info[keys.VALID_ACTIONS]))]
            )
            if terminated:
                break
        steps = 0
        while not terminated:
            *_, reward, terminated, truncated, info = env.step(base.expert_action())
            steps += 1
            assert info[keys.ACTION_VALID] and steps < 20
        assert info[keys.SUCCESS] and info[keys.SCORE] == 1.0
    env.close()


@needs_engine
def test_the_engine_leaves_sys_argv_alone_and_close_frees_it(games):
    argv = list(sys.argv)
    env = gym.make("ALFWorld-v0")
    env.reset(seed=1)
    env.step("look")
    assert sys.argv == argv  # Fast Downward's translator rewrites it
    engine = env.unwrapped.engine
    env.close()
    env.close()
    assert engine.closed
    with pytest.raises(RuntimeError, match="closed"):
        engine.step("look")
    obs, info = env.reset(seed=1)  # a fresh engine
    assert env.unwrapped.engine is not engine and info[keys.STATE_KEY]
    env.close()


@needs_engine
def test_a_broken_game_fails_its_reset_clearly_and_the_others_still_play(games, tmp_path):
    root = tmp_path / "json_2.1.1"
    good = "pick_and_place_simple-Box-None-Sofa-test0/trial_household_test_0"
    shutil.copytree(games / "valid_unseen" / good, root / "valid_unseen" / good)
    broken = root / "valid_unseen" / "pick_and_place_simple-Mug-None-Desk-0" / "trial_0"
    shutil.copytree(games / "valid_unseen" / good, broken)
    game = json.loads((broken / GAME).read_text())
    (broken / GAME).write_text(json.dumps({**game, "pddl_problem": "(define (problem x) (:objects"}))
    env = gym.make("ALFWorld-v0", data_path=root, split="valid_unseen")
    with pytest.raises(EnvError, match="ALFWorldEnv failed to start an episode"):
        env.reset(options={"task_id": "pick_and_place_simple-Mug-None-Desk-0/trial_0"})
    obs, info = env.reset(options={"task_id": good})
    assert obs.startswith("-= Welcome to TextWorld, ALFRED! =-") and info[keys.TASK_ID] == good
    env.close()


@pytest.mark.slow
@needs_engine
def test_a_process_that_closed_several_engines_exits_cleanly(games):
    """Unloading Fast Downward's library copies (``dlclose``) crashed the process at exit."""
    script = (
        "import gymnasium as gym, palaestra\n"
        "for seed in range(3):\n"
        "    env = gym.make('ALFWorld-v0')\n"
        "    env.reset(seed=seed)\n"
        "    env.step('look')\n"
        "    env.close()\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]


def test_without_games_the_error_says_how_to_get_them(monkeypatch, tmp_path):
    monkeypatch.delenv("PALAESTRA_ALFWORLD_DIR", raising=False)
    assert "PALAESTRA_ALFWORLD_DIR" in env_entry("ALFWorld-v0").missing_requirement()
    if MISSING is not None:
        with pytest.raises(ImportError, match=r"pip install 'palaestra\[alfworld\]'"):
            gym.make("ALFWorld-v0")
        return
    with pytest.raises(UsageError, match="alfworld-download.*PALAESTRA_ALFWORLD_DIR"):
        gym.make("ALFWorld-v0")
    with pytest.raises(UsageError, match="holds none of ALFWorld's split folders"):
        gym.make("ALFWorld-v0", data_path=tmp_path)


@pytest.mark.slow
@needs_engine
def test_the_speed_benchmark_plays_both_envs_on_the_same_games():
    script = Path(__file__).resolve().parents[3] / "benchmarks" / "household_vs_alfworld.py"
    spec = importlib.util.spec_from_file_location("household_vs_alfworld_benchmark", script)
    benchmark = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(benchmark)
    figures = benchmark.compare(games=1, difficulty="easy")  # raises unless both win the same games
    assert figures["steps"] > 0
    assert figures["household_steps_per_s"] > 0 and figures["alfworld_steps_per_s"] > 0
    assert "Household-Text-v0 vs ALFWorld-v0 on the same 1 easy games" in benchmark.report(figures)
