FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=factcheck.settings.production
WORKDIR /app
COPY pyproject.toml README.md ./
COPY factcheck ./factcheck
COPY reviews ./reviews
RUN pip install --no-cache-dir .
COPY . .
RUN DJANGO_SECRET_KEY=build-only DJANGO_ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput
RUN useradd --create-home app && mkdir -p /app/var && chown app /app/var
USER app
EXPOSE 8000
# gunicorn reads its number of (sync) workers from WEB_CONCURRENCY; see docker-compose.yml.
ENV WEB_CONCURRENCY=3
CMD ["gunicorn", "factcheck.wsgi", "--bind", "0.0.0.0:8000"]
