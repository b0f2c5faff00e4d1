from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Fact-checking desk"
    default_auto_field = "django.db.models.BigAutoField"
