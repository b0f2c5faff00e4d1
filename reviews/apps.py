from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Fact-checking desk"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from reviews import (
            checks,  # noqa: F401 (registers the system checks)
            tasks,  # noqa: F401 (registers the Celery tasks the services send by name)
        )
        from reviews.metrics import connect_worker_signals

        # In a worker, task failures and scorecard build times are counted for /metrics.
        connect_worker_signals()
