"""What a scorecard's numbers mean, in words shown next to them on every surface (the page, the API's
schema, the computed data). Kept out of reviews.services.scorecards so the API's serializers can say it
without importing the service (which renders webhook bodies with those serializers)."""

ACCURACY_DEFINITION = (
    "Accuracy score: the mean of the published verdicts' ratings, each normalised to 0-100 between its "
    "scale's worst and best rating (100 x (value - worst) / (best - worst)) and weighted by the number of "
    "published verdicts with that rating. Ratings that say nothing about accuracy (such as Unverifiable) "
    "are left out; there is no score until at least one counted verdict is published."
)
