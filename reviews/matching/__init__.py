"""Matching claims across articles: which claims are the same claim, and where they disagree.

Pure Python + numpy + onnxruntime (+ usearch for the index); no ORM. The app stores what these give
(vectors as bytes, facts as JSON) in PostgreSQL and calls back in; docs/matching.md tells how well it does.

    from reviews import matching

    # An article's claims, each read with the sentence before it in its paragraph (the one reading the
    # worker and `manage.py evaluate_matching` share): spans are all its sentences, positions the claims'
    readings = matching.read_claims(body, spans, positions)   # or [matching.read_claim(sentence, previous)]
    vectors = matching.embed_readings(readings)   # float32 (n, 384), unit rows; a blank text gives zeros
    facts = readings[0].facts                     # JSON-serialisable dict (facts_of(sentence, previous))
    score = matching.similarity(vec_a, facts_a, vec_b, facts_b)       # float in [0, 1], symmetric
    if score >= matching.MATCH_THRESHOLD:                             # the same claim
        for conflict in matching.conflicts_between(facts_a, facts_b):
            conflict.kind, conflict.value, conflict.other_value, conflict.sentence, conflict.as_dict()

    blob = matching.to_bytes(vector)          # 1,536 bytes for a BinaryField; from_bytes(blob) back
    index = matching.VectorIndex()            # one per process
    index.refresh(lambda after: rows_with_id_above(after))  # (id, bytes) rows; call before each search
    index.search(vector, k=10, exclude=own_ids)             # [(id, approximate cosine)], best first

* `read_claims`, `embed_readings` (reading.py): what is embedded and the facts, for stored claims and
  the evaluation alike;
* `embed` (embedder.py): all-MiniLM-L6-v2, int8 ONNX, mean pooling and L2 normalisation;
* `facts_of` (facts.py): years, dates, amounts (currency and scale normalised), percentages, counts and
  actors, with the year/date/actor a claim takes from the sentence before it;
* `similarity`, `MATCH_THRESHOLD` (similarity.py): cosine moved by agreeing and disagreeing facts;
* `conflicts_between` (conflicts.py): for two MATCHED claims only, the facts they disagree on, each a
  `Conflict` with its kind, both values and the sentences they were read from;
* `VectorIndex`, `to_bytes`, `from_bytes` (index.py): the HNSW index kept in step with PostgreSQL by
  id watermark.
"""

from reviews.matching.conflicts import Conflict, conflicts_between
from reviews.matching.embedder import DIMENSIONS, Embedder, embed, get_embedder
from reviews.matching.facts import FACT_KINDS, FACTS_VERSION, Fact, Facts, embedding_text, facts_of
from reviews.matching.index import VectorIndex, from_bytes, to_bytes
from reviews.matching.reading import ClaimReading, embed_readings, read_claim, read_claims
from reviews.matching.similarity import MATCH_THRESHOLD, cosine, similarity

__all__ = [
    "DIMENSIONS",
    "FACTS_VERSION",
    "FACT_KINDS",
    "MATCH_THRESHOLD",
    "ClaimReading",
    "Conflict",
    "Embedder",
    "Fact",
    "Facts",
    "VectorIndex",
    "conflicts_between",
    "cosine",
    "embed",
    "embed_readings",
    "embedding_text",
    "facts_of",
    "from_bytes",
    "get_embedder",
    "read_claim",
    "read_claims",
    "similarity",
    "to_bytes",
]
