"""``palaestra new-env`` and ``palaestra gallery`` run as a person would: as subprocesses."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

WORKTREE = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(WORKTREE), "COLUMNS": "200", "SDL_VIDEODRIVER": "dummy"}


def palaestra(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "palaestra", *args], cwd=cwd, env=ENV, capture_output=True, text=True
    )


def test_new_env_outside_a_checkout_writes_a_plugin_package_and_lists_the_files(tmp_path):
    run = palaestra("new-env", "Walk", "--family", "walks", "--dataset", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    root = tmp_path / "palaestra-walks"
    for path in ("pyproject.toml", "walks/walk/env.py", "walks/walk/tasks.json", "tests/test_walk.py"):
        assert f"wrote {root / path}" in run.stdout
        assert (root / path).exists()


def test_new_env_mistakes_are_one_error_line_and_exit_code_2(tmp_path):
    run = palaestra("new-env", "walk", "--family", "walks", cwd=tmp_path)
    assert run.returncode == 2
    assert run.stdout.strip().splitlines() == [
        "error: the env name must be CamelCase letters and digits (24 at most), like GridWalk; got 'walk'"
    ]
    assert not any(tmp_path.iterdir())


@pytest.mark.slow
def test_gallery_writes_the_page_and_images_where_it_is_told(tmp_path):
    run = palaestra("gallery", "--docs", str(tmp_path), cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    page = (tmp_path / "gallery.md").read_text()
    assert "### Snake-Vision-v0" in page and (tmp_path / "gallery" / "Snake-Vision-v0.png").exists()


def test_gallery_outside_a_checkout_without_a_folder_says_so(tmp_path):
    run = palaestra("gallery", cwd=tmp_path)
    assert run.returncode == 2
    assert "not inside a palaestra checkout" in run.stdout
