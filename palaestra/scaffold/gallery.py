"""The env gallery of the docs: ``docs/gallery.md`` and ``docs/gallery/<id>.png``, made from the registry.

Every id palaestra itself registers (plugins' ids are theirs to document) gets a section: its family,
modality, the extra it needs, whether it has an expert, its summary, and the text of its first
observation (seed 0, default settings), with the image for ``-Vision-`` ids. Regenerate with::

    python -m palaestra.scaffold.gallery        # or: palaestra gallery

The output depends only on the registry and the envs, so two runs write the same files. An id whose
extra is not installed here cannot be played, so its sample is kept from the committed gallery (or,
for a new id, marked as missing until someone with the extra regenerates): a machine without the
extras neither loses samples nor changes them.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from pathlib import Path

import gymnasium as gym
import numpy as np
from PIL import Image

from palaestra.core.errors import UsageError
from palaestra.core.registry import EnvEntry, registered_envs

REGENERATE = "python -m palaestra.scaffold.gallery"
GALLERY_FILE = "gallery.md"
IMAGE_DIR = "gallery"
SAMPLE_SEED = 0
SAMPLE_MAX_LINES = 40
SAMPLE_MAX_CHARS = 3000
_SAMPLE = re.compile(
    r"<!-- sample (?P<id>\S+) -->\n(?:(?P<fence>`{3,})text\n(?P<text>.*?)\n(?P=fence)\n|[^\n]*\n)"
    r"<!-- end sample -->",
    re.DOTALL,
)


@dataclass(frozen=True)
class Sample:
    """What the gallery shows of an id's first observation."""

    text: str
    image: np.ndarray | None = None


def own_entries() -> list[EnvEntry]:
    """The ids palaestra itself registers (entry points in ``palaestra.``), sorted by family then id."""
    return [
        entry
        for entry in registered_envs()
        if isinstance(gym.spec(entry.id).entry_point, str)
        and gym.spec(entry.id).entry_point.startswith("palaestra.")
    ]


def sample(env_id: str) -> Sample:
    """The first observation of ``env_id`` (seed 0, default settings), its text clipped for the page."""
    env = gym.make(env_id)
    try:
        observation, _ = env.reset(seed=SAMPLE_SEED)
    finally:
        env.close()
    if isinstance(observation, dict):
        return Sample(clip_sample(observation["text"]), np.asarray(observation["image"]))
    return Sample(clip_sample(observation))


def clip_sample(text: str) -> str:
    """``text`` cut to ``SAMPLE_MAX_LINES`` lines and ``SAMPLE_MAX_CHARS`` characters, with a note of
    how much was cut."""
    text = text.rstrip("\n")
    clipped = "\n".join(text.split("\n")[:SAMPLE_MAX_LINES])[:SAMPLE_MAX_CHARS]
    if clipped != text:
        clipped += f"\n[... {len(text) - len(clipped)} more characters ...]"
    return clipped


def image_name(env_id: str) -> str:
    return env_id.replace("/", "_") + ".png"


def render_gallery(entries: list[EnvEntry], samples: dict[str, str]) -> str:
    """The gallery page of ``entries``; ``samples`` holds each id's sample text (missing ones are
    marked as such)."""
    yes_no = {True: "yes", False: "no"}
    out = [
        "# Environment gallery",
        "",
        "Every id palaestra registers, with its first observation (seed 0, default settings).",
        f"Generated from the registry by `{REGENERATE}` (or `palaestra gallery`);",
        "do not edit it by hand: the tests fail when it is out of date.",
        "How to add an env: [adding-an-env.md](adding-an-env.md).",
        "",
        "| id | family | modality | needs | expert | summary |",
        "|---|---|---|---|---|---|",
    ]
    for entry in entries:
        needs = f"`{entry.extra}`" if entry.extra else "-"
        summary = entry.summary.replace("|", "\\|")
        out.append(
            f"| [`{entry.id}`](#{_anchor(entry.id)}) | {entry.family} | {entry.modality} | {needs} | "
            f"{yes_no[entry.expert]} | {summary} |"
        )
    family = None
    for entry in entries:
        if entry.family != family:
            family = entry.family
            out += ["", f"## {family}"]
        needs = f"`pip install 'palaestra[{entry.extra}]'`" if entry.extra else "the core install"
        out += [
            "",
            f"### {entry.id}",
            "",
            f"{entry.family}, {entry.modality}; needs {needs}; expert: {yes_no[entry.expert]}.",
            "",
            entry.summary,
            "",
            f"<!-- sample {entry.id} -->",
        ]
        text = samples.get(entry.id)
        if text is None:
            out.append(f"*No sample yet: run `{REGENERATE}` where the `{entry.extra}` extra is installed.*")
        else:
            fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", text)), default=0))
            out += [f"{fence}text", text, fence]
        out.append("<!-- end sample -->")
        if text is not None and entry.modality == "vision":
            out += ["", f"![the first observation of {entry.id}]({IMAGE_DIR}/{image_name(entry.id)})"]
    return "\n".join(out) + "\n"


def committed_samples(markdown: str) -> dict[str, str]:
    """id -> sample text of a gallery page (ids marked as missing a sample are left out)."""
    return {m["id"]: m["text"] for m in _SAMPLE.finditer(markdown) if m["text"] is not None}


def write_gallery(docs_dir: Path) -> list[str]:
    """Write ``gallery.md`` and the images of ``docs_dir`` from the registry; return the ids whose
    sample was kept from the committed gallery because their extra is not installed here."""
    page = docs_dir / GALLERY_FILE
    committed = committed_samples(page.read_text(encoding="utf-8")) if page.exists() else {}
    image_dir = docs_dir / IMAGE_DIR
    image_dir.mkdir(parents=True, exist_ok=True)
    entries = own_entries()
    samples: dict[str, str] = {}
    kept = []
    images = set()
    for entry in entries:
        if entry.missing_requirement():
            if entry.id in committed:
                samples[entry.id] = committed[entry.id]
                kept.append(entry.id)
                images.add(image_name(entry.id))
            continue
        shown = sample(entry.id)
        samples[entry.id] = shown.text
        if shown.image is not None:
            Image.fromarray(shown.image).save(image_dir / image_name(entry.id), optimize=True)
            images.add(image_name(entry.id))
    for stale in image_dir.glob("*.png"):
        if stale.name not in images:
            stale.unlink()
    page.write_text(render_gallery(entries, samples), encoding="utf-8")
    return kept


def docs_folder(cwd: Path | None = None) -> Path:
    """The ``docs`` folder of the palaestra checkout holding ``cwd``; ``UsageError`` outside one."""
    from palaestra.scaffold.new_env import find_repository

    root = find_repository((cwd or Path.cwd()).resolve())
    if root is None:
        raise UsageError("not inside a palaestra checkout: run this from one, or give the docs folder")
    return root / "docs"


def _anchor(heading: str) -> str:
    """GitHub's anchor of a Markdown heading."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog=REGENERATE, description="Regenerate the env gallery of the docs.")
    parser.add_argument("--docs", type=Path, help="the docs folder (default: the checkout's docs/)")
    args = parser.parse_args(argv)
    docs_dir = args.docs or docs_folder()
    kept = write_gallery(docs_dir)
    print(f"wrote {docs_dir / GALLERY_FILE} and {docs_dir / IMAGE_DIR}/")
    if kept:
        print(f"kept the committed samples of {', '.join(kept)}: their extras are not installed here")


if __name__ == "__main__":
    main()
