"""Articles' source URLs are web links only (`article_source_url_http`).

They come from scraped text and HTML metadata and pages show them as links, but nothing checked them
before: a malformed URL broke the reviewer's task page, and a `javascript:` one would have been a link on
the public pages. Stored values that are not web links are blanked first (the article's raw text keeps
whatever it said); the rule is `reviews.links.web_link`'s, restated here so that this migration keeps
meaning what it meant."""

from urllib.parse import urlsplit

from django.db import migrations, models


def _web_link(url: str) -> str | None:
    url = url.strip()
    if not url or any(ch.isspace() or not ch.isprintable() for ch in url):
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return parts.scheme.lower() + url[len(parts.scheme) :]


def clean_source_urls(apps, schema_editor):  # type: ignore[no-untyped-def]
    Article = apps.get_model("reviews", "Article")
    for pk, url in Article.objects.exclude(source_url="").values_list("pk", "source_url").iterator():
        link = _web_link(url)
        if link != url:
            Article.objects.filter(pk=pk).update(source_url=link or "")


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0005_drop_indexes_covered_by_composites"),
    ]

    operations = [
        migrations.RunPython(clean_source_urls, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="article",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("source_url", ""),
                    ("source_url__startswith", "http://"),
                    ("source_url__startswith", "https://"),
                    _connector="OR",
                ),
                name="article_source_url_http",
            ),
        ),
    ]
