"""django.contrib.admin's app config with the editors' desk as its default site.

Kept out of reviews/apps.py, where a second AppConfig would stop Django picking ReviewsConfig as the
`reviews` app's, and out of reviews/desk_site.py, which imports models (not ready when apps load).
"""

from django.contrib.admin.apps import AdminConfig


class DeskAdminConfig(AdminConfig):
    default_site = "reviews.desk_site.DeskAdminSite"
