"""Article cleaning and claim extraction.

Pure Python: nothing in this package touches the ORM, so it can be tested, benchmarked and used by the
`score_sentences` command without a database. `reviews.extraction.pipeline.extract_article` is the one
entry point the rest of the project calls.
"""
