"""factory_boy factories for the domain models."""

from __future__ import annotations

import factory
from django.contrib.auth.models import User

from reviews.models import Article, ArticleStatus, Claim, ClaimStatus, RatingLabel, ReviewTask


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("pw-for-tests-only")


class ArticleFactory(factory.django.DjangoModelFactory[Article]):
    class Meta:
        model = Article

    title = factory.Sequence(lambda n: f"Article {n}")
    raw_text = factory.Sequence(lambda n: f"Raw text of article {n}. The GDP grew 3% in 2019.")
    body = factory.LazyAttribute(lambda a: a.raw_text)
    content_hash = factory.Sequence(lambda n: f"{n:064x}")
    status = ArticleStatus.READY


class ClaimFactory(factory.django.DjangoModelFactory[Claim]):
    class Meta:
        model = Claim

    article = factory.SubFactory(ArticleFactory)
    text = "The GDP grew 3% in 2019."
    start = 0
    end = 24
    sentence_index = factory.Sequence(lambda n: n)
    score = 0.9
    status = ClaimStatus.CLAIM


class ReviewTaskFactory(factory.django.DjangoModelFactory[ReviewTask]):
    class Meta:
        model = ReviewTask

    claim = factory.SubFactory(ClaimFactory)
    priority = 900


def rating(slug: str) -> RatingLabel:
    return RatingLabel.objects.get(slug=slug)
