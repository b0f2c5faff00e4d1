#!/usr/bin/env python
"""What the models add to the default install, on disk: the check-worthiness scorer (issue 3: at most
150 MB) and claim matching (issue 17: the sentence embedder and the vector index).

    .venv/bin/python bench/install_size.py [--json]

Run it with the project's virtualenv. It reads the installed distributions' metadata (no network): the
packages only the models need are the requirement closure of their runtime packages (scorer: onnxruntime,
numpy; matching: usearch, which also needs numpy) minus everything the rest of the project needs anyway;
their size is the sum of the files each one installed (its RECORD, bytecode included), plus the model
files in reviews/extraction/model/ (scorer) and reviews/matching/model/ (embedder). Matching runs its
embedder on the scorer's onnxruntime and numpy, so it adds only usearch's closure and its model.
"""

from __future__ import annotations

import argparse
import json
import re
from importlib import metadata
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parents[1]
MODEL_DIR = REPO_DIR / "reviews" / "extraction" / "model"
EMBEDDER_DIR = REPO_DIR / "reviews" / "matching" / "model"
PROJECT = "factcheck"
SCORER_PACKAGES = {"onnxruntime", "numpy"}
MATCHING_PACKAGES = {"usearch"}
LIMIT_MB = 150


def _name(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    assert match, requirement
    return _canonical(match.group(1))


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _installed() -> dict[str, metadata.Distribution]:
    return {_canonical(d.metadata["Name"]): d for d in metadata.distributions()}


def _runtime_requirements(dist: metadata.Distribution) -> list[str]:
    """Requirements that apply without extras (markers naming an extra are left out)."""
    return [r for r in dist.requires or [] if "extra ==" not in r.replace("extra==", "extra ==")]


def closure(roots: set[str], installed: dict[str, metadata.Distribution]) -> set[str]:
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen or name not in installed:
            continue
        seen.add(name)
        todo.extend(_name(r) for r in _runtime_requirements(installed[name]))
    return seen


def dist_bytes(dist: metadata.Distribution) -> int:
    total = 0
    for file in dist.files or []:
        path = Path(str(dist.locate_file(file)))
        if path.is_file():
            total += path.stat().st_size
    return total


def dir_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.iterdir() if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    installed = _installed()
    project = installed[PROJECT]
    direct = {_name(r) for r in _runtime_requirements(project)}
    missing = (SCORER_PACKAGES | MATCHING_PACKAGES) - direct
    if missing:
        raise SystemExit(f"{sorted(missing)} are not runtime requirements of {PROJECT}")
    rest = closure(direct - SCORER_PACKAGES - MATCHING_PACKAGES, installed)
    scorer = sorted(closure(SCORER_PACKAGES, installed) - rest)
    matching = sorted(closure(MATCHING_PACKAGES, installed) - rest - set(scorer))
    sizes = {name: dist_bytes(installed[name]) for name in scorer + matching}
    scorer_model, embedder_model = dir_bytes(MODEL_DIR), dir_bytes(EMBEDDER_DIR)
    scorer_total = sum(sizes[n] for n in scorer) + scorer_model
    matching_total = sum(sizes[n] for n in matching) + embedder_model

    def listed(names: list[str]) -> dict[str, float]:
        return {f"{n} {installed[n].version}": round(sizes[n] / 1e6, 1) for n in names}

    result = {
        "scorer": {
            "packages": listed(scorer),
            "model_files_mb": round(scorer_model / 1e6, 1),
            "total_mb": round(scorer_total / 1e6, 1),
            "limit_mb": LIMIT_MB,
        },
        "matching": {
            "packages": listed(matching),
            "model_files_mb": round(embedder_model / 1e6, 1),
            "total_mb": round(matching_total / 1e6, 1),
        },
        "total_mb": round((scorer_total + matching_total) / 1e6, 1),
        "total_mib": round((scorer_total + matching_total) / 2**20, 1),
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for part, model in (("scorer", "scorer model files"), ("matching", "embedder model files")):
        entry = result[part]
        assert isinstance(entry, dict)
        for name, mb in entry["packages"].items():
            print(f"{part}: {name:<28} {mb:>7.1f} MB")
        print(f"{part}: {model:<28} {entry['model_files_mb']:>7.1f} MB")
        print(f"{part}: {'total':<28} {entry['total_mb']:>7.1f} MB")
    print(f"{'total added by the models':<38} {result['total_mb']:>7.1f} MB ({result['total_mib']} MiB)")
    print(
        f"scorer limit (issue 3): {LIMIT_MB} MB -> {'met' if scorer_total / 1e6 <= LIMIT_MB else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
