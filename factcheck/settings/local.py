"""Developer and demo settings: debug on, an insecure key that only works here."""

from factcheck.settings.base import *  # noqa: F403
from factcheck.settings.base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="django-insecure-local-only-never-in-production")

# The demo's webhook receivers and pages to fetch run on this machine (reviews/net.py).
FACTCHECK_ALLOW_PRIVATE_URLS = env.bool("FACTCHECK_ALLOW_PRIVATE_URLS", default=True)
