"""The editors' triage page (issue 21): `desk_triage`'s time and query count on a large desk.

    .venv/bin/python bench/triage.py [--tasks 1000000] [--per-day 500] [--repeat 9] [--json]

Builds in bulk, with SQL: `--tasks` claims with one review task each, two thirds of them available (in
every priority band) and one third done with a published verdict; 1,000 submitted and 200 returned
verdicts, 300 leases (half expired), `--tasks`/100 suggested matches with a conflict each, and `--per-day`
verdict submissions a day in the audit log over the last 60 days, from 20 reviewers. Then times
`desk_triage()` `--repeat` times (after one warm-up call) and counts its queries.

The database is `factcheck_bench_triage` (dropped and re-created).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

# Run as a script, Python puts bench/ first on sys.path, where a benchmark module can shadow the standard
# library (bench/queue.py hides `queue`, which psycopg imports); the project root is what this needs.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.common import fresh_database, machine, migrate, setup_django  # noqa: E402

DATABASE = "factcheck_bench_triage"


def build(tasks: int, per_day: int) -> None:
    from django.db import connection

    from reviews.models import RatingLabel

    rating = RatingLabel.objects.get(slug="false").pk
    with connection.cursor() as cur:
        cur.execute("""
            INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email,
                is_staff, is_active, date_joined)
            SELECT '!', false, 'reviewer' || g, '', '', '', false, true, now() FROM generate_series(1, 20) g
        """)
        cur.execute("SELECT min(id) FROM auth_user WHERE username LIKE 'reviewer%%'")
        first_user = cur.fetchone()[0]
        cur.execute("""
            INSERT INTO reviews_article (title, author, publisher, source_url, origin, content_type,
                raw_text, body, content_hash, status, failure_reason, extractor_version, created_at,
                updated_at, changed_at, matching_status, matching_changed_at, matching_attempts,
                matching_error, extract_attempts, scorecard_stale, source_encoding, source_encoding_guessed,
                claim_threshold_origin)
            VALUES ('bench', '', '', '', '', 'text/plain', 'x', 'x', 'bench', 'ready', '', '', now(), now(),
                now(), 'done', now(), 0, '', 0, false, '', false, '')
            RETURNING id
        """)
        article = cur.fetchone()[0]
        cur.execute(
            """
            INSERT INTO reviews_claim (article_id, text, start, "end", sentence_index, score, claim_type,
                status, mentions, facts, created_at)
            SELECT %s, 'claim ' || g, 0, 1, g, 0.5, 'other', 'claim', '{}', '{}', now()
            FROM generate_series(1, %s) g
            """,
            [article, tasks],
        )
        # Two thirds available, priorities 0..1599 (every band); a third done, with a published verdict.
        cur.execute(
            """
            INSERT INTO reviews_reviewtask (claim_id, status, priority, article_date, attempts, created_at,
                updated_at, reviewer_id)
            SELECT id, CASE WHEN sentence_index %% 3 = 0 THEN 'done' ELSE 'available' END,
                (sentence_index::bigint * 7919) %% 1600, now() - (sentence_index %% 1000) * interval '1 hour',
                0, now(), now(), CASE WHEN sentence_index %% 3 = 0 THEN %s + sentence_index %% 20 END
            FROM reviews_claim
            """,
            [first_user],
        )
        cur.execute(
            """
            INSERT INTO reviews_verdict (claim_id, task_id, rating_id, summary, rationale, status,
                reviewer_id, version, correction_note, editor_note, retraction_note, created_at, updated_at,
                submitted_at, published_at)
            SELECT claim_id, id, %s, 's', '', 'published', reviewer_id, 1, '', '', '', now(), now(), now(),
                now()
            FROM reviews_reviewtask WHERE status = 'done'
            """,
            [rating],
        )
        # Submitted (1,000) and returned (200) verdicts, on available tasks turned submitted / returned.
        for status, count, offset in (("submitted", 1000, 0), ("returned", 200, 1000)):
            cur.execute(
                """
                WITH picked AS (
                    SELECT id FROM reviews_reviewtask WHERE status = 'available'
                    ORDER BY id OFFSET %s LIMIT %s
                )
                UPDATE reviews_reviewtask t SET status = %s, reviewer_id = %s
                FROM picked WHERE t.id = picked.id
                """,
                [offset, count, status, first_user],
            )
            cur.execute(
                """
                INSERT INTO reviews_verdict (claim_id, task_id, rating_id, summary, rationale, status,
                    reviewer_id, version, correction_note, editor_note, retraction_note, created_at,
                    updated_at, submitted_at)
                SELECT claim_id, id, %s, 's', '', %s, reviewer_id, 1, '', '', '', now(), now(),
                    now() - (id %% 500) * interval '1 hour'
                FROM reviews_reviewtask WHERE status = %s
                """,
                [rating, status, status],
            )
        cur.execute(
            """
            WITH picked AS (
                SELECT id FROM reviews_reviewtask WHERE status = 'available' ORDER BY id DESC LIMIT 300
            )
            UPDATE reviews_reviewtask t
            SET status = 'leased', lease_holder_id = %s, lease_token = gen_random_uuid(),
                lease_expires_at = now()
                    + CASE WHEN t.id %% 2 = 0 THEN interval '1 hour' ELSE interval '-1 hour' END
            FROM picked WHERE t.id = picked.id
            """,
            [first_user],
        )
        cur.execute("""
            INSERT INTO reviews_claimmatch (claim_id, other_claim_id, similarity, status, created_at,
                updated_at)
            SELECT id, id + 1, 0.9, 'suggested', now(), now() FROM reviews_claim
            WHERE sentence_index % 100 = 1
        """)
        cur.execute("""
            INSERT INTO reviews_claimconflict (match_id, kind, value, other_value, sentence, other_sentence,
                resolved, resolution_note, created_at)
            SELECT id, 'year', '2001', '2002', 's', 'o', false, '', now() FROM reviews_claimmatch
        """)
        cur.execute(
            """
            INSERT INTO reviews_reviewevent (action, actor_id, from_status, to_status, note, data, created_at)
            SELECT 'verdict.submitted', %s + g %% 20, '', 'submitted', '', '{}',
                now() - g * interval '60 days' / %s
            FROM generate_series(1, %s) g
            """,
            [first_user, per_day * 60, per_day * 60],
        )
        cur.execute("VACUUM ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--per-day", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    setup_django(fresh_database(DATABASE))
    migrate()
    started = time.perf_counter()
    build(args.tasks, args.per_day)
    built = time.perf_counter() - started

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reviews.models import ReviewTask, TaskStatus
    from reviews.selectors_triage import desk_triage

    available = ReviewTask.objects.filter(status=TaskStatus.AVAILABLE).count()
    triage = desk_triage()  # warm-up
    with CaptureQueriesContext(connection) as queries:
        desk_triage()
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        desk_triage()
        times.append((time.perf_counter() - start) * 1000)
    result = {
        "machine": machine(),
        "tasks": args.tasks,
        "per_day": args.per_day,
        "available": available,
        "submitted": triage.submitted,
        "build_seconds": round(built, 1),
        "queries": len(queries),
        "median_ms": round(statistics.median(times), 1),
        "max_ms": round(max(times), 1),
        "slowest_query_ms": max(
            (round(float(q["time"]) * 1000, 1) for q in queries.captured_queries), default=0.0
        ),
    }
    if args.json:
        print(json.dumps(result))
        return
    print(result["machine"])
    print(
        f"{args.tasks:,} tasks ({available:,} available, {triage.submitted:,} submitted verdicts), "
        f"{args.per_day} submissions a day (built in {built:.0f} s): desk_triage {result['queries']} "
        f"queries, median {result['median_ms']} ms, max {result['max_ms']} ms over {args.repeat} calls"
    )


if __name__ == "__main__":
    main()
