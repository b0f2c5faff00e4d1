"""The factcheck Django project: settings, Celery app and URL configuration."""

from factcheck.celery import app as celery_app

__all__ = ("celery_app",)
