"""The Celery application, configured once from Django settings (`CELERY_*` names)."""

import os

from celery import Celery, signals

from factcheck import log_format, request_id

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings.local")

app = Celery("factcheck")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The request id travels with each message and is on the worker's log lines of its task
# (factcheck/request_id.py, factcheck/log_format.py).
signals.before_task_publish.connect(request_id.carry_into_message, weak=False)
signals.task_prerun.connect(request_id.restore_in_worker, weak=False)
signals.task_postrun.connect(request_id.forget_in_worker, weak=False)
signals.after_setup_logger.connect(log_format.worker_logger_ready, weak=False)
signals.after_setup_task_logger.connect(log_format.worker_task_logger_ready, weak=False)
