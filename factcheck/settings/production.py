"""Production settings: every secret must come from the environment; there are no defaults."""

from factcheck.settings.base import *  # noqa: F403
from factcheck.settings.base import LOGGING, env

DEBUG = False
SECRET_KEY = env.str("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Mail goes to an SMTP server: EMAIL_URL (smtp+tls://user:password@smtp.example.org:587), or a relay on
# this host when unset.
vars().update(
    {k: v for k, v in env.email_url("EMAIL_URL", default="smtp://localhost:25").items() if v is not None}
)
# One JSON object per log line, for the log shipper (factcheck/log_format.py); "text" to read them by eye
# (base.py checks the value).
FACTCHECK_LOG_FORMAT = env.str("FACTCHECK_LOG_FORMAT", default="json")
LOGGING["handlers"]["console"]["formatter"] = FACTCHECK_LOG_FORMAT
