"""Importing the vector index first must not crash the process.

On some hosts (an Intel Xeon, family 6 model 207) loading usearch's extension before onnxruntime's makes
onnxruntime's import segfault (two copies of libstdc++'s std::codecvt), so `index.py` imports
onnxruntime first. Each order runs in a fresh interpreter: a crash would take pytest down with it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

# What a process could import first: the module file on its own (no package __init__ to import the
# embedder first), the module through its package, and the index before the runtime is asked for.
LOAD_FILE_FIRST = (
    "import importlib.util as u\n"
    "spec = u.spec_from_file_location('index_alone', 'reviews/matching/index.py')\n"
    "spec.loader.exec_module(u.module_from_spec(spec))\n"
    "import onnxruntime\n"
)


@pytest.mark.parametrize(
    "code",
    [
        LOAD_FILE_FIRST,
        "import reviews.matching.index\nimport onnxruntime\n",
        "from reviews.matching.index import VectorIndex\nfrom reviews.matching.embedder import Embedder\n",
        "import django\ndjango.setup()\nimport reviews.services.vector_index\nimport onnxruntime\n",
    ],
    ids=["index-file-alone", "index-module", "index-then-embedder", "services-vector-index"],
)
def test_importing_the_index_first_does_not_crash(code: str) -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "factcheck.settings.test"}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
