"""A short scraped article the article and extraction-run service tests submit: a title, a byline, two
check-worthy sentences and a question."""

from __future__ import annotations

ARTICLE = (
    "Oil exports rise\n\nBy Jane Doe\n\n"
    "Iraq exported 3.4 million barrels a day in March, the oil ministry said. "
    "Officials in the U.S. welcomed the figure. What happens next?\n"
)
