"""factory_boy factories for the test suite."""

from __future__ import annotations

import datetime

import factory
from django.contrib.auth import get_user_model

from units.models import Category, OrgNode, Role, Unit

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.vn")
    first_name = "Nguyễn Văn"
    last_name = factory.Sequence(lambda n: f"Người{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrgNodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrgNode

    code = factory.Sequence(lambda n: f"N{n:04d}")
    name = factory.Sequence(lambda n: f"Liên đoàn Lao động số {n}")
    parent = None


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"U{n:06d}")
    name = factory.Sequence(lambda n: f"Công ty TNHH Thành Công {n}")
    category = Category.PRIVATE_ENTERPRISE
    node = factory.SubFactory(OrgNodeFactory)
    employees = 120
    union_members = factory.LazyAttribute(lambda u: min(100, u.employees))
    established_on = datetime.date(2010, 1, 1)
    chair_name = "Trần Thị Hà"
    chair_email = factory.LazyAttribute(lambda u: f"chair.{u.code.lower()}@example.vn")


def grant(user, kind: str, *, node: OrgNode | None = None, unit: Unit | None = None) -> Role:
    return Role.objects.create(user=user, kind=kind, node=node, unit=unit)


class RecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "conferences.Record"

    unit = factory.SubFactory(UnitFactory)
    kind = "worker_conference"
    held_on = datetime.date(2025, 3, 10)
    format = "full"
    invited = 100
    attended = 80
    resolution_adopted = True
    status = "draft"


def pdf_bytes(text: str = "Bien ban hoi nghi") -> bytes:
    """A small but real PDF (one page, one line of text)."""
    from conferences.demo import sample_pdf

    return sample_pdf(text)


def attach_minutes(record, name: str = "bien-ban.pdf"):
    """Give ``record`` its signed minutes, as a chair does before submitting."""
    from django.core.files.base import ContentFile

    from conferences.models import Attachment

    body = pdf_bytes()
    attachment = Attachment(
        record=record, purpose="minutes", original_name=name, content_type="application/pdf", size=len(body), sha256=""
    )
    attachment.file.save(name, ContentFile(body), save=True)
    return attachment
