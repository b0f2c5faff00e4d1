"""Lines of application code per package, for docs/architecture.md's before-and-after table.

    .venv/bin/python bench/loc.py [ROOT]          # ROOT: a checkout (default: this one)

Counts Python files under factcheck/ and reviews/ (migrations excluded: they are generated history) and
templates under reviews/templates/. "code" leaves out blank lines, comment lines and docstrings, so moving
prose around does not move it; "lines" is every physical line.
"""

from __future__ import annotations

import argparse
import ast
import io
import sys
import tokenize
from collections import defaultdict
from pathlib import Path


def code_lines(source: str) -> int:
    """Lines holding at least one token that is neither a comment nor a docstring."""
    docstring_lines: set[int] = set()
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return 0
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            first = body[0] if body else None
            value = first.value if isinstance(first, ast.Expr) else None
            if first is not None and isinstance(value, ast.Constant) and isinstance(value.value, str):
                docstring_lines.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    lines: set[int] = set()
    skip = {
        tokenize.COMMENT,
        tokenize.NL,
        tokenize.NEWLINE,
        tokenize.INDENT,
        tokenize.DEDENT,
        tokenize.ENDMARKER,
    }
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in skip:
            continue
        for line in range(token.start[0], token.end[0] + 1):
            if line not in docstring_lines:
                lines.add(line)
    return len(lines)


def package_of(path: Path, root: Path) -> str:
    parts = path.relative_to(root).parts
    if parts[0] == "reviews" and len(parts) > 2 and parts[1] != "templates":
        return f"reviews/{parts[1]}"
    if parts[0] == "reviews" and parts[1] == "templates":
        return "reviews/templates"
    return parts[0] if len(parts) > 1 else "."


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("root", nargs="?", default=str(Path(__file__).resolve().parent.parent))
    args = parser.parse_args()
    root = Path(args.root).resolve()
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    files = list((root / "factcheck").rglob("*.py")) + [
        p for p in (root / "reviews").rglob("*") if p.suffix in {".py", ".html"} and p.is_file()
    ]
    for path in files:
        if "migrations" in path.parts:
            continue
        source = path.read_text(encoding="utf-8")
        row = totals[package_of(path, root)]
        row[0] += 1
        row[1] += source.count("\n")
        row[2] += (
            code_lines(source)
            if path.suffix == ".py"
            else sum(1 for line in source.splitlines() if line.strip())
        )
    print(f"{'package':<22} {'files':>5} {'lines':>7} {'code':>7}")
    grand = [0, 0, 0]
    for package in sorted(totals):
        files_n, lines, code = totals[package]
        grand = [grand[0] + files_n, grand[1] + lines, grand[2] + code]
        print(f"{package:<22} {files_n:>5} {lines:>7} {code:>7}")
    print(f"{'total':<22} {grand[0]:>5} {grand[1]:>7} {grand[2]:>7}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
