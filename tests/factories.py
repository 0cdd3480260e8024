"""factory_boy factories for the records and the people side."""

from __future__ import annotations

import datetime

import factory
from django.contrib.auth import get_user_model

from profiles.models import AuthorStanding, Follow
from publications.models import Author, Authorship, Topic, Work, WorkTopic
from publications.names import name_key


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct horse battery")


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author

    display_name = factory.Sequence(lambda n: f"Researcher Number{n}")
    name_key = factory.LazyAttribute(lambda a: name_key(a.display_name))


class AuthorStandingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuthorStanding

    author = factory.SubFactory(AuthorFactory)


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ("scheme", "code")

    scheme = Topic.Scheme.ARXIV
    code = factory.Sequence(lambda n: f"cs.T{n}")
    name = factory.LazyAttribute(lambda t: f"Topic {t.code}")


class WorkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Work

    title = factory.Sequence(lambda n: f"A study of problem {n}")
    title_raw = factory.LazyAttribute(lambda w: w.title)
    abstract = "We study a problem and report what we found."
    published = factory.Sequence(lambda n: datetime.date(2000 + n % 25, 1 + n % 12, 1))
    year = factory.LazyAttribute(lambda w: w.published.year)
    arxiv_id = factory.Sequence(lambda n: f"{2001 + n // 1000:04d}.{n % 100000:05d}")
    venue = "arXiv"


class AuthorshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Authorship

    work = factory.SubFactory(WorkFactory)
    author = factory.SubFactory(AuthorFactory)
    position = factory.Sequence(lambda n: n + 1)
    raw_name = factory.LazyAttribute(lambda a: a.author.display_name)
    name = factory.LazyAttribute(lambda a: a.author.display_name)


class WorkTopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkTopic

    work = factory.SubFactory(WorkFactory)
    topic = factory.SubFactory(TopicFactory)


class FollowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Follow

    user = factory.SubFactory(UserFactory)
    author = factory.SubFactory(AuthorFactory)
