from django.urls import re_path
from rest_framework.routers import DefaultRouter

from reviews.api import exports, feeds, queue, scorecards, views


class Router(DefaultRouter):
    """Every route answers with and without its trailing slash (`/verdicts/1/publish` as the issues
    spell it, `/articles/` as browsers do), so no client is redirected or, for a POST, refused."""

    include_format_suffixes = False

    def __init__(self) -> None:
        super().__init__()
        self.trailing_slash = "/?"


router = Router()
router.register("articles", views.ArticleViewSet, basename="article")
router.register("claims", views.ClaimViewSet, basename="claim")
router.register("verdicts", views.VerdictViewSet, basename="verdict")
router.register("ratings", views.RatingViewSet, basename="rating")
router.register("claimreview", views.ClaimReviewViewSet, basename="claimreview")
router.register("queue", queue.QueueViewSet, basename="queue")
router.register("tasks", queue.TaskViewSet, basename="task")
router.register("scorecards", scorecards.ScorecardViewSet, basename="scorecard")
router.register("conflicts", views.ConflictViewSet, basename="conflict")
router.register("feeds", feeds.FeedViewSet, basename="feed")
router.register("exports", exports.ExportViewSet, basename="export")

# The reviewers' queue routes first: they serve most requests, and Django tries the patterns in order
# (the routes' prefixes differ, so the order changes no match; the API root keeps the registry's order).
_QUEUE_ROUTES = ("queue-", "task-")
_routes = sorted(router.urls, key=lambda route: not str(getattr(route, "name", "")).startswith(_QUEUE_ROUTES))

# Last: anything the router does not know is a JSON 404.
urlpatterns = [*_routes, re_path(r"", views.api_not_found)]
