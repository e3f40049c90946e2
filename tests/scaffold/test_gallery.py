"""The committed env gallery (docs/gallery.md, docs/gallery/) matches the registry and the envs.

The listing is checked against the registry alone, so it gives the same answer with and without the
optional extras; each sample is checked by playing its id, which an id whose extra is missing here
cannot do, so that id's sample check is skipped (CI installs the extras and checks them all).
"""

import difflib
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from palaestra.core.registry import EnvEntry, env_entry
from palaestra.scaffold import gallery
from palaestra.scaffold.gallery import (
    REGENERATE,
    clip_sample,
    committed_samples,
    image_name,
    own_entries,
    render_gallery,
    sample,
    write_gallery,
)

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGE = DOCS / gallery.GALLERY_FILE
STALE = f"the env gallery is out of date: regenerate it with `{REGENERATE}` and commit docs/gallery*"


def committed_images() -> set[str]:
    return {path.name for path in (DOCS / gallery.IMAGE_DIR).glob("*.png")}


def test_the_gallery_lists_every_registered_id_as_the_registry_says():
    committed = PAGE.read_text(encoding="utf-8")
    expected = render_gallery(own_entries(), committed_samples(committed))
    diff = "\n".join(
        list(difflib.unified_diff(committed.splitlines(), expected.splitlines(), lineterm=""))[:30]
    )
    assert committed == expected, f"{STALE}\n{diff}"
    samples = committed_samples(committed)
    vision = {image_name(e.id) for e in own_entries() if e.modality == "vision" and e.id in samples}
    assert committed_images() == vision, STALE


@pytest.mark.parametrize("env_id", [entry.id for entry in own_entries()])
def test_the_gallery_sample_is_what_the_env_shows(env_id):
    entry = env_entry(env_id)
    missing = entry.missing_requirement()
    if missing:
        pytest.skip(f"playing {env_id} needs {missing}")
    if not entry.deterministic:
        pytest.skip(f"{env_id} is not deterministic: its sample may differ from run to run")
    shown = sample(env_id)
    assert committed_samples(PAGE.read_text(encoding="utf-8")).get(env_id) == shown.text, STALE
    if shown.image is not None:
        committed = np.asarray(Image.open(DOCS / gallery.IMAGE_DIR / image_name(env_id)).convert("RGB"))
        assert np.array_equal(committed, shown.image), STALE


def test_regenerating_without_an_extra_keeps_its_samples_and_changes_nothing(tmp_path, monkeypatch):
    shutil.copy(PAGE, tmp_path)
    shutil.copytree(DOCS / gallery.IMAGE_DIR, tmp_path / gallery.IMAGE_DIR)
    families = {entry.family for entry in own_entries() if entry.extra}
    if not families:
        pytest.skip("no registered id needs an extra")
    # This machine as one without any extra: those ids cannot be played, their samples must be kept.
    monkeypatch.setattr(
        EnvEntry, "missing_requirement", lambda self: self.extra and f"pip install {self.extra}"
    )
    kept = write_gallery(tmp_path)
    assert set(kept) == {
        e.id for e in own_entries() if e.extra and e.id in committed_samples(PAGE.read_text())
    }
    assert (tmp_path / gallery.GALLERY_FILE).read_text() == PAGE.read_text()
    assert {p.name for p in (tmp_path / gallery.IMAGE_DIR).glob("*.png")} == committed_images()


def test_an_id_without_a_sample_is_listed_with_the_command_that_makes_one():
    entry = EnvEntry("Maze-Vision-v0", "mazes", "Walk a maze.", 50, extra="babyai", expert=True)
    page = render_gallery([entry], {})
    assert "| [`Maze-Vision-v0`](#maze-vision-v0) | mazes | vision | `babyai` | yes | Walk a maze. |" in page
    assert f"*No sample yet: run `{REGENERATE}` where the `babyai` extra is installed.*" in page
    assert "gallery/Maze-Vision-v0.png" not in page
    assert committed_samples(page) == {}
    with_sample = render_gallery([entry], {"Maze-Vision-v0": "a ``` fence\n| table |"})
    assert committed_samples(with_sample) == {"Maze-Vision-v0": "a ``` fence\n| table |"}
    assert "````text" in with_sample


def test_long_observations_are_clipped_with_a_note():
    assert clip_sample("short\n") == "short"
    long = "\n".join(f"line {i}" for i in range(100))
    clipped = clip_sample(long)
    assert clipped.splitlines()[:40] == long.splitlines()[:40]
    assert clipped.endswith(
        f"[... {len(long) - len(chr(10).join(long.splitlines()[:40]))} more characters ...]"
    )
