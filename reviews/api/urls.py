from rest_framework.routers import DefaultRouter

from reviews.api import queue, views


class Router(DefaultRouter):
    """Every route answers with and without its trailing slash (`/api/v1/queue/next` as queue clients
    spell it, `/articles/` as browsers do), so no client is redirected or, for a POST, refused."""

    include_format_suffixes = False

    def __init__(self) -> None:
        super().__init__()
        self.trailing_slash = "/?"


router = Router()
router.register("articles", views.ArticleViewSet, basename="article")
router.register("queue", queue.QueueViewSet, basename="queue")
router.register("tasks", queue.TaskViewSet, basename="task")

urlpatterns = router.urls
