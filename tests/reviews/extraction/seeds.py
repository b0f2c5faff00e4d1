"""The five example articles, shared by the extraction tests (no Django)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[3]
SEEDS_DIR = _ROOT / "seeds" if (_ROOT / "seeds").is_dir() else Path("/work/shared/seeds")

#: Page clutter that appears in the raw seeds and must never reach the body or a sentence.
CLUTTER = (
    "Print Friendly",
    "PDF & Email",
    "Please Share",
    "Please select digest",
    "Loading, please wait",
    "Related Articles",
    "uses cookies",
    "Click here",
    "Home /",
    "02.02.2020",
    "Author:",
    "By Alwaght",
    "By Adam Garrie",
    "Source: The Duran",
    "political observer",
    "shakes hands",
    "Husaybah",
)


@cache
def seed(prefix: str) -> str:
    """The raw text of the seed whose file name starts with `prefix` ("000" .. "004")."""
    (path,) = SEEDS_DIR.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def all_seeds() -> list[str]:
    return [seed(f"{i:03d}") for i in range(5)]
