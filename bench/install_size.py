#!/usr/bin/env python
"""What the check-worthiness model adds to the default install, on disk (issue 3: at most 150 MB).

    .venv/bin/python bench/install_size.py [--json]

Run it with the project's virtualenv. It reads the installed distributions' metadata (no network): the
packages only the scorer needs are the requirement closure of its runtime packages (onnxruntime, numpy)
minus everything the rest of the project needs anyway; their size is the sum of the files each one
installed (its RECORD, bytecode included), plus the model files in reviews/extraction/model/.
"""

from __future__ import annotations

import argparse
import json
import re
from importlib import metadata
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parents[1]
MODEL_DIR = REPO_DIR / "reviews" / "extraction" / "model"
PROJECT = "factcheck"
SCORER_PACKAGES = {"onnxruntime", "numpy"}
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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    installed = _installed()
    project = installed[PROJECT]
    direct = {_name(r) for r in _runtime_requirements(project)}
    missing = SCORER_PACKAGES - direct
    if missing:
        raise SystemExit(f"{sorted(missing)} are not runtime requirements of {PROJECT}")
    rest = closure(direct - SCORER_PACKAGES, installed)
    added = sorted(closure(SCORER_PACKAGES, installed) - rest)
    sizes = {name: dist_bytes(installed[name]) for name in added}
    model = sum(p.stat().st_size for p in MODEL_DIR.iterdir() if p.is_file())
    total = sum(sizes.values()) + model
    packages = {f"{n} {installed[n].version}": round(b / 1e6, 1) for n, b in sizes.items()}
    result = {
        "packages": packages,
        "model_files_mb": round(model / 1e6, 1),
        "total_mb": round(total / 1e6, 1),
        "total_mib": round(total / 2**20, 1),
        "limit_mb": LIMIT_MB,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for name, mb in packages.items():
        print(f"{name:<28} {mb:>7.1f} MB")
    print(f"{'model files':<28} {result['model_files_mb']:>7.1f} MB")
    print(f"{'total added by the scorer':<28} {result['total_mb']:>7.1f} MB ({result['total_mib']} MiB)")
    print(f"limit (issue 3): {LIMIT_MB} MB -> {'met' if total / 1e6 <= LIMIT_MB else 'NOT met'}")


if __name__ == "__main__":
    main()
