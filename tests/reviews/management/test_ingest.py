from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from reviews.extraction.pipeline import get_sentence_scorer
from reviews.models import Article, Claim, ClaimStatus, ReviewTask, SourceThreshold, ThresholdOrigin
from tests.conftest import SEEDS

pytestmark = pytest.mark.django_db


def test_ingest_seeds_folder_then_again_changes_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("ingest", str(SEEDS), "--no-progress")
    out = capsys.readouterr().out
    assert Article.objects.count() == 5
    claims = ReviewTask.objects.count()
    assert claims > 0
    assert (
        f"Ingested 5 new article(s) with {claims} claim(s); 0 already present (unchanged); 0 rejected." in out
    )
    call_command("ingest", str(SEEDS), "--no-progress")
    assert (
        "Ingested 0 new article(s) with 0 claim(s); 5 already present (unchanged); 0 rejected."
        in capsys.readouterr().out
    )
    assert Article.objects.count() == 5
    assert ReviewTask.objects.count() == claims


def test_bad_files_get_one_line_reasons_and_the_rest_go_in(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.txt"
    good.write_text((SEEDS / "000_086ab713619688c1.txt").read_text())
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)))
    # Latin-1 is read (detected, recorded on the article); bytes no legacy encoding reads are refused.
    (tmp_path / "latin1.txt").write_bytes(
        "Le caf\u00e9 a co\u00fbt\u00e9 3 euros en 2020, selon le minist\u00e8re.".encode("latin-1")
    )
    (tmp_path / "undecodable.txt").write_bytes(b"Note " + bytes(range(0x80, 0xA0)) * 20)
    (tmp_path / "clutter.txt").write_text("Print Friendly, PDF & Email\nPlease Share:\n")
    with pytest.raises(CommandError, match=r"4 of 6 file\(s\) were rejected"):
        call_command("ingest", str(tmp_path), "--no-progress")
    err = capsys.readouterr().err
    assert f"{tmp_path / 'empty.txt'}: empty (no text to extract claims from)." in err
    assert f"{tmp_path / 'binary.txt'}: binary file (contains NUL bytes), not text." in err
    assert (
        f"{tmp_path / 'undecodable.txt'}: not text in UTF-8, Windows-1252 or Latin-1 (invalid UTF-8 byte "
        "0x80 at offset 5, and no legacy encoding reads it as text)."
    ) in err
    assert f"{tmp_path / 'clutter.txt'}: no sentences found after cleaning (nothing to review)." in err
    assert Article.objects.count() == 2
    legacy = Article.objects.get(origin=str(tmp_path / "latin1.txt"))
    assert legacy.raw_text.startswith("Le caf\u00e9 a co\u00fbt\u00e9 3 euros")
    assert (legacy.source_encoding, legacy.source_encoding_guessed) == ("windows-1252", True)
    assert Claim.objects.filter(status=ClaimStatus.CLAIM).count() == ReviewTask.objects.count()


def test_oversized_file_is_refused_without_reading_it(tmp_path: Path, settings, capsys) -> None:
    settings.FACTCHECK_MAX_ARTICLE_BYTES = 1000
    big = tmp_path / "big.txt"
    big.write_text("The budget rose 5% in 2020. " * 100)
    with pytest.raises(CommandError):
        call_command("ingest", str(big), "--no-progress")
    assert f"{big}: too large (2,800 bytes; the limit is 1,000 bytes)." in capsys.readouterr().err
    assert not Article.objects.exists()


def test_missing_path_is_reported() -> None:
    with pytest.raises(CommandError, match="1 of 1 file"):
        call_command("ingest", "/nonexistent/article.txt", "--no-progress")


def test_html_file_is_ingested(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>Budget vote</title></head><body><nav>Home | World | Contact</nav>"
        "<article><h1>Budget vote</h1><p>The parliament approved a budget of $4.2 billion on Tuesday, "
        "the finance ministry said.</p><p>Spending on schools rose by 12% compared with 2023, "
        "according to the ministry.</p></article><footer>Copyright 2024 News Corp</footer></body></html>"
    )
    call_command("ingest", str(page), "--no-progress")
    article = Article.objects.get()
    assert article.content_type == "text/html"
    assert "Home | World" not in article.body
    assert "$4.2 billion" in article.body


def test_parallel_extraction_gives_the_same_result(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for path in SEEDS.glob("*.txt"):
        (tmp_path / path.name).write_text(path.read_text())
    (tmp_path / "dup.txt").write_text((SEEDS / "000_086ab713619688c1.txt").read_text())
    (tmp_path / "clutter.txt").write_text("Print Friendly, PDF & Email\nPlease Share:\n")
    with pytest.raises(CommandError, match=r"1 of 7 file\(s\) were rejected"):
        call_command("ingest", str(tmp_path), "--jobs", "2", "--no-progress")
    parallel = sorted(Article.objects.values_list("content_hash", "title"))
    tasks = ReviewTask.objects.count()
    out = capsys.readouterr()
    assert f"{tmp_path / 'clutter.txt'}: no sentences found after cleaning (nothing to review)." in out.err
    assert (
        f"Ingested 5 new article(s) with {tasks} claim(s); 1 already present (unchanged); 1 rejected."
        in out.out
    )
    ReviewTask.objects.all().delete()
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("DELETE FROM reviews_reviewevent")
    Article.objects.all().delete()
    call_command("ingest", str(SEEDS), "--no-progress")
    assert sorted(Article.objects.values_list("content_hash", "title")) == parallel
    assert ReviewTask.objects.count() == tasks


def test_a_file_name_that_is_not_utf8_is_ingested_under_an_escaped_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Python hands such a name over with a surrogate, which the database refused: the run stopped there.
    seeds = sorted(SEEDS.glob("*.txt"))[:3]
    names = [b"01_good.txt", b"02_bad\xffname.txt", b"03_good.txt"]
    for seed, name in zip(seeds, names, strict=True):
        Path(os.fsdecode(os.fsencode(tmp_path) + b"/" + name)).write_bytes(seed.read_bytes())
    call_command("ingest", str(tmp_path), "--no-progress")
    assert "Ingested 3 new article(s)" in capsys.readouterr().out
    assert Article.objects.filter(origin=f"{tmp_path}/02_bad\\xffname.txt").exists()


@pytest.mark.parametrize("kind", ["fifo", "long name"])
def test_paths_that_are_not_readable_files_get_a_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    if kind == "fifo":
        path = tmp_path / "pipe.txt"
        os.mkfifo(path)  # reading it would block for ever
        reason = f"{path}: not a regular file."
    else:
        path = tmp_path / ("a" * 300 + ".txt")
        reason = f"{path}: cannot be read (File name too long)."
    with pytest.raises(CommandError, match=r"1 of 1 file\(s\) were rejected"):
        call_command("ingest", str(path), "--no-progress")
    assert reason in capsys.readouterr().err


def test_a_negative_number_of_jobs_is_refused() -> None:
    with pytest.raises(CommandError, match=r"--jobs must be 0 \(one per core\) or more\."):
        call_command("ingest", str(SEEDS), "--jobs", "-3", "--no-progress")


def test_workers_that_fail_refuse_their_articles_and_the_run_ends_with_its_summary(
    tmp_path: Path, settings, capsys: pytest.CaptureFixture[str]
) -> None:
    # Every worker's initializer raises: the pool breaks (BrokenProcessPool), which ended the run with a
    # traceback. Each article is now refused with the reason and the summary is printed.
    settings.FACTCHECK_SCORER = "broken"
    for path in sorted(SEEDS.glob("*.txt"))[:2]:
        (tmp_path / path.name).write_text(path.read_text())
    with pytest.raises(CommandError, match=r"2 of 2 file\(s\) were rejected"):
        call_command("ingest", str(tmp_path), "--jobs", "2", "--no-progress")
    out = capsys.readouterr()
    assert out.err.count("extraction failed unexpectedly (BrokenProcessPool); the error is logged.") == 2
    assert "Ingested 0 new article(s) with 0 claim(s); 0 already present (unchanged); 2 rejected." in out.out
    assert not Article.objects.exists()


def test_a_compressed_file_is_named_as_such(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # It was refused as "binary file (contains NUL bytes)", which did not say what to do.
    packed = tmp_path / "article.txt.gz"
    packed.write_bytes(gzip.compress((SEEDS / "000_086ab713619688c1.txt").read_bytes()))
    with pytest.raises(CommandError, match=r"1 of 1 file\(s\) were rejected"):
        call_command("ingest", str(packed), "--no-progress")
    assert (
        f"{packed}: gzip-compressed data, not text; decompress it and send the text inside."
        in capsys.readouterr().err
    )
    assert not Article.objects.exists()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_file_naming_a_source_with_a_threshold_is_cut_at_it(tmp_path: Path, settings, jobs: str) -> None:
    settings.FACTCHECK_CLAIM_THRESHOLD = None
    SourceThreshold.objects.create(host="example.com", threshold=0.97)
    body = "Iraq exported 3.4 million barrels a day in March, the oil ministry said. Prices rose 3% in May."
    (tmp_path / "named.txt").write_text(f"Source: https://www.example.com/oil\n\n{body}\n")
    (tmp_path / "plain.txt").write_text(f"{body} Officials welcomed it.\n")
    call_command("ingest", str(tmp_path), "--jobs", jobs, "--no-progress")
    cuts = {Path(a.origin).name: (a.claim_threshold, a.claim_threshold_origin) for a in Article.objects.all()}
    assert cuts == {
        "named.txt": (0.97, ThresholdOrigin.SOURCE),
        "plain.txt": (get_sentence_scorer("model").news_threshold, ThresholdOrigin.MODEL),
    }
    for claim in Claim.objects.filter(repeat_of__isnull=True).select_related("article"):
        cut = claim.article.claim_threshold
        assert cut is not None
        assert (claim.status == ClaimStatus.CLAIM) == (claim.score >= cut)
