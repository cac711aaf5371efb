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
    union_members = 100
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


def pdf_bytes(text: str = "Biên bản hội nghị") -> bytes:
    """A small but real PDF (one page, one line of text)."""
    body = f"BT /F1 12 Tf 50 750 Td ({text.encode('ascii', 'replace').decode()}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(body)).encode() + b" >>\nstream\n" + body + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for n, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out
