"""gunicorn's settings, read from the working directory by every `gunicorn factcheck.wsgi` (the Dockerfile,
docker-compose.yml, deploy/systemd; command-line options win over these).

The access log line ends with the request's id (`X-Request-ID`, factcheck/request_id.py) and the time
taken in microseconds, so it can be found beside the app's own lines for the same request. gunicorn
writes these lines itself, as text, in every FACTCHECK_LOG_FORMAT.
"""

access_log_format = (
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)s request_id=%({x-request-id}o)s'
)
