"""`manage.py score_sentences` (the interface used to evaluate the extractor from outside) and
`manage.py evaluate_extractor`. No database needed."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from reviews.extraction.scorer import get_scorer

CLAIM = "Unemployment fell to 3.5% in 2019."
CHAT = "What a beautiful day!"


def _rows(text: str) -> list[list[str]]:
    return [line.split("\t") for line in text.splitlines()]


def test_scores_file_to_file(tmp_path: Path) -> None:
    src = tmp_path / "in.tsv"
    src.write_bytes(f"a1\t{CLAIM}\r\n\r\nb2\t{CHAT}\r\n\n".encode())
    out = tmp_path / "out.tsv"
    call_command("score_sentences", "--input", str(src), "--output", str(out), verbosity=0)
    rows = _rows(out.read_text(encoding="utf-8"))
    assert [r[0] for r in rows] == ["a1", "b2"]
    assert [r[2] for r in rows] == ["1", "0"]
    for _, score, _ in rows:
        assert len(score.split(".")[1]) == 6
        assert 0.0 <= float(score) <= 1.0
    expected = get_scorer().score([CLAIM, CHAT])
    assert [float(r[1]) for r in rows] == pytest.approx(expected, abs=0.05)


def test_threshold_option_and_setting(tmp_path: Path) -> None:
    src = tmp_path / "in.tsv"
    src.write_text(f"1\t{CLAIM}\n2\t{CHAT}", encoding="utf-8")  # no trailing newline
    stdout = io.StringIO()
    call_command("score_sentences", "--input", str(src), "--threshold", "0", stdout=stdout)
    assert [r[2] for r in _rows(stdout.getvalue())] == ["1", "1"]
    stdout = io.StringIO()
    with override_settings(FACTCHECK_CLAIM_THRESHOLD=1.01):
        call_command("score_sentences", "--input", str(src), stdout=stdout)
    assert [r[2] for r in _rows(stdout.getvalue())] == ["0", "0"]


def test_tabs_inside_text_are_kept_with_the_text(tmp_path: Path) -> None:
    src = tmp_path / "in.tsv"
    src.write_text(f"x\t{CLAIM}\textra\n", encoding="utf-8")
    stdout = io.StringIO()
    call_command("score_sentences", "--input", str(src), stdout=stdout)
    assert _rows(stdout.getvalue())[0][0] == "x"


def test_line_without_tab_is_an_error_naming_the_line(tmp_path: Path) -> None:
    src = tmp_path / "in.tsv"
    src.write_text(f"1\t{CLAIM}\n\nno tab here\n", encoding="utf-8")
    out = tmp_path / "out.tsv"
    with pytest.raises(CommandError, match="line 3"):
        call_command("score_sentences", "--input", str(src), "--output", str(out), verbosity=0)
    assert not out.exists()  # nothing half-written


def test_large_input_streams_in_order(tmp_path: Path) -> None:
    src = tmp_path / "in.tsv"
    texts = [CLAIM, CHAT, "The bill costs $4 billion over ten years."]
    src.write_text("".join(f"{i}\t{texts[i % 3]}\n" for i in range(1500)), encoding="utf-8")
    out = tmp_path / "out.tsv"
    call_command("score_sentences", "--input", str(src), "--output", str(out), verbosity=0)
    rows = _rows(out.read_text(encoding="utf-8"))
    assert [r[0] for r in rows] == [str(i) for i in range(1500)]


def test_missing_input_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot read"):
        call_command("score_sentences", "--input", str(tmp_path / "nope.tsv"))


def test_evaluate_extractor_rejects_missing_datasets(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="datasets folder not found"):
        call_command("evaluate_extractor", "--datasets", str(tmp_path / "missing"))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--batch-size", "0"], "--batch-size must be at least 1."),
        (["--batch-size", "-1"], "--batch-size must be at least 1."),
        (["--threshold", "nan"], "--threshold must be a number (a score between 0 and 1)."),
    ],
)
def test_bad_options_are_usage_errors(tmp_path: Path, options: list[str], message: str) -> None:
    source = tmp_path / "in.tsv"
    source.write_text(f"1\t{CLAIM}\n")
    with pytest.raises(CommandError) as error:
        call_command("score_sentences", "--input", str(source), *options)
    assert str(error.value) == message


def test_input_that_is_not_utf8_is_an_error(tmp_path: Path) -> None:
    source = tmp_path / "latin1.tsv"
    source.write_bytes("1\tLe caf\u00e9 a co\u00fbt\u00e9 3 euros.\n".encode("latin-1"))
    with pytest.raises(CommandError) as error:
        call_command("score_sentences", "--input", str(source), "--output", str(tmp_path / "out.tsv"))
    assert str(error.value) == f"{source}: not UTF-8 text (invalid byte 0xe9)."
    assert list(tmp_path.iterdir()) == [source], "no output, no temporary file"


@pytest.mark.parametrize("where", ["a folder", "under a file"])
def test_an_output_that_cannot_be_written_is_an_error(tmp_path: Path, where: str) -> None:
    source = tmp_path / "in.tsv"
    source.write_text(f"1\t{CLAIM}\n")
    blocker = tmp_path / "blocker"
    blocker.mkdir() if where == "a folder" else blocker.write_text("")
    target = blocker if where == "a folder" else blocker / "out.tsv"
    with pytest.raises(CommandError, match=rf"^cannot write {target}: "):
        call_command("score_sentences", "--input", str(source), "--output", str(target))


def test_the_output_file_gets_the_usual_permissions(tmp_path: Path) -> None:
    source = tmp_path / "in.tsv"
    source.write_text(f"1\t{CLAIM}\n")
    target = tmp_path / "out.tsv"
    call_command("score_sentences", "--input", str(source), "--output", str(target))
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_evaluate_extractor_names_a_dataset_it_cannot_read(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=rf"^cannot read the datasets in {tmp_path}: .*groundtruth"):
        call_command("evaluate_extractor", "--datasets", str(tmp_path))
    (tmp_path / "claimbuster").mkdir()
    (tmp_path / "claimbuster" / "groundtruth.csv").write_text("Wrong,Header\n1,2\n")
    with pytest.raises(CommandError, match=rf"^cannot read the datasets in {tmp_path}: no column "):
        call_command("evaluate_extractor", "--datasets", str(tmp_path))
