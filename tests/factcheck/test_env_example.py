""".env.example lists every environment variable the code reads (README, Configuration)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# env.str("NAME", ...), env.bool("NAME"...), env("NAME"), os.environ.get("NAME"), os.getenv("NAME"), ...
_READ = re.compile(
    r"""(?:\benv(?:\.[a-z_]+)?|environ\.Env\(\)\.[a-z_]+|environ\.get|getenv)\(\s*["']([A-Z][A-Z0-9_]+)["']"""
)


def variables_read() -> set[str]:
    found: set[str] = set()
    for folder in ("factcheck", "reviews"):
        for path in (ROOT / folder).rglob("*.py"):
            found.update(_READ.findall(path.read_text()))
    return found


def test_the_scan_finds_the_settings_it_should() -> None:
    # Guards the pattern: a scan that finds nothing would pass the test below.
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "FACTCHECK_DATASETS_DIR", "CI"} <= variables_read()


def test_every_variable_read_is_in_env_example() -> None:
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    assert sorted(variables_read() - listed) == []
