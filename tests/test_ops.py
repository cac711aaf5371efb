"""Operations: backup and restore, the docker-compose file against the Compose spec, the load check."""

import datetime
import hashlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import connection

from conferences.models import Attachment, AuditEntry, Record
from tests.factories import PASSWORD, RecordFactory, pdf_bytes
from tests.support import skip_or_fail
from units.models import OrgNode, Role, Unit

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"


# --- Backup and restore ---------------------------------------------------------------------


def _test_database_url() -> str:
    """The pytest-django test database as a DATABASE_URL, for a subprocess."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        skip_or_fail("backup and restore need the PostgreSQL test database (set DATABASE_URL)")
    password = quote(db.get("PASSWORD") or "", safe="")
    user = quote(db["USER"], safe="")
    return f"postgres://{user}:{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _row_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        tables = [row[0] for row in cursor.fetchall()]
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 - names from pg_tables
            counts[table] = cursor.fetchone()[0]
    return counts


def _media_files() -> dict[str, bytes]:
    media = Path(settings.MEDIA_ROOT)
    return {str(p.relative_to(media)): p.read_bytes() for p in sorted(media.rglob("*")) if p.is_file()}


def _run_script(name: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": _test_database_url(), "MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    return subprocess.run(
        ["bash", str(ROOT / "scripts" / name), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _wipe() -> None:
    Attachment.objects.all().delete()
    AuditEntry.objects.all().delete()
    Record.objects.all().delete()
    Role.objects.all().delete()
    Unit.objects.all().delete()
    for depth in sorted(set(OrgNode.objects.values_list("depth", flat=True)), reverse=True):
        OrgNode.objects.filter(depth=depth).delete()
    get_user_model().objects.all().delete()
    shutil.rmtree(settings.MEDIA_ROOT)


@pytest.mark.django_db(transaction=True)
def test_it_restores_the_rows_and_files_a_backup_saved(world, tmp_path):
    _test_database_url()  # skips (or fails under `make test`) off PostgreSQL
    records = [
        RecordFactory(unit=world.unit_a, held_on=datetime.date(2025, 3, 10), status="accepted"),
        RecordFactory(unit=world.unit_b, kind="cbccvc_conference", held_on=datetime.date(2025, 2, 1)),
        RecordFactory(unit=world.unit_c, held_on=datetime.date(2024, 4, 2), status="submitted"),
    ]
    content = pdf_bytes("Biên bản hội nghị người lao động 2025")
    attachment = Attachment(
        record=records[0],
        original_name="bien-ban.pdf",
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=world.chair_a,
    )
    attachment.file.save("bien-ban.pdf", ContentFile(content), save=True)
    assert (Path(settings.MEDIA_ROOT) / attachment.file.name).read_bytes() == content
    counts_before, files_before = _row_counts(), _media_files()
    assert counts_before["conferences_record"] == 3
    assert counts_before["conferences_attachment"] == 1

    backup = _run_script("backup", str(tmp_path / "backups"))
    assert backup.returncode == 0, backup.stderr
    folder = Path(backup.stdout.strip().splitlines()[-1])
    assert sorted(p.name for p in folder.iterdir()) == ["database.dump", "manifest.tsv", "media.tar.gz"]
    manifest = [line.split("\t") for line in (folder / "manifest.tsv").read_text().splitlines()]
    assert {row[1]: int(row[2]) for row in manifest if row[0] == "rows"} == counts_before
    assert {row[1]: row[2] for row in manifest if row[0] == "sha256"} == {
        name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in ("database.dump", "media.tar.gz")
    }

    _wipe()
    assert not Record.objects.exists()
    assert not Unit.objects.exists()
    assert not Path(settings.MEDIA_ROOT).exists()

    restore = _run_script("restore", str(folder))
    assert restore.returncode == 0, restore.stderr
    assert _row_counts() == counts_before
    assert _media_files() == files_before
    restored = Attachment.objects.get()
    assert restored.file.read() == content
    assert Record.objects.get(pk=records[0].pk).unit.code == "A001"


@pytest.mark.django_db(transaction=True)
def test_it_refuses_a_damaged_backup_without_touching_anything(world, tmp_path):
    _test_database_url()
    RecordFactory(unit=world.unit_a)
    backup = _run_script("backup", str(tmp_path / "backups"))
    assert backup.returncode == 0, backup.stderr
    folder = Path(backup.stdout.strip().splitlines()[-1])
    with (folder / "database.dump").open("ab") as dump:
        dump.write(b"tampered")
    Record.objects.all().delete()

    restore = _run_script("restore", str(folder))
    assert restore.returncode == 1
    assert "database.dump does not match its sha256" in restore.stderr
    assert not Record.objects.exists()  # the database was left as it was


def test_it_refuses_to_back_up_sqlite(tmp_path):
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "backup"), str(tmp_path)],
        env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 1
    assert "PostgreSQL only" in result.stderr
    assert not any(tmp_path.iterdir())


# --- docker-compose.yml ------------------------------------------------------------------------


def _require_check_jsonschema() -> None:
    if importlib.util.find_spec("check_jsonschema") is None:
        skip_or_fail("check-jsonschema is not installed (it is in requirements-dev.txt)")


def _check_compose(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_it_validates_docker_compose_against_the_compose_spec():
    _require_check_jsonschema()
    result = _check_compose(COMPOSE_FILE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_notices_a_compose_file_that_breaks_the_spec(tmp_path):
    _require_check_jsonschema()
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(COMPOSE_FILE.read_text() + "\nservise: {}\n")
    assert _check_compose(broken).returncode == 1


def test_it_runs_web_worker_and_beat_from_one_image_after_healthy_services():
    _require_check_jsonschema()  # ruamel.yaml comes with it
    from ruamel.yaml import YAML

    compose = YAML(typ="safe", pure=True).load(COMPOSE_FILE.read_text())
    app, services = compose["x-app"], compose["services"]
    assert app["image"]
    for name in ("web", "worker", "beat"):
        assert services[name]["image"] == app["image"], name
        assert services[name]["build"] == app["build"], name
        assert services[name]["depends_on"] == {
            "db": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
        }, name
    assert "gunicorn" in services["web"]["command"]
    assert "worker" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]
    for name in ("db", "redis"):
        assert services[name]["healthcheck"]["test"], name


def test_it_publishes_gunicorn_on_the_loopback_only_and_nothing_else():
    """gunicorn trusts the proxy's forwarded headers: only the proxy may reach it."""
    _require_check_jsonschema()
    from ruamel.yaml import YAML

    services = YAML(typ="safe", pure=True).load(COMPOSE_FILE.read_text())["services"]
    assert services["web"]["ports"] == ["${WEB_BIND:-127.0.0.1}:${WEB_PORT:-8000}:8000"]
    assert [name for name, service in services.items() if "ports" in service] == ["web"]


# --- scripts/loadcheck.py ------------------------------------------------------------------------


def _loadcheck(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "loadcheck.py"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.django_db(transaction=True)
def test_loadcheck_signs_each_role_in_and_loads_its_pages(live_server, world):
    logins = ",".join(f"{name}:{PASSWORD}" for name in ("staff_x", "leader_p", "chair_a"))
    result = _loadcheck("--base", live_server.url, "--users", "3", "--seconds", "2", "--login", logins)
    assert result.returncode == 0, result.stdout + result.stderr
    for page in ("units list", "dashboard", "review queue (staff)", "chair: unit year page", "overall"):
        assert re.search(rf"^{re.escape(page)} +\d+ ", result.stdout, re.MULTILINE), (page, result.stdout)
    assert "errors: 0 requests, 0 virtual users not started" in result.stdout


@pytest.mark.django_db(transaction=True)
def test_loadcheck_measures_every_page_even_when_the_time_runs_out_first(live_server, world):
    # Pauses of 0.5–1.5 s between pages: the one second is over before a staff member's
    # third page, which a slow site (or a loaded machine) would never have measured.
    result = _loadcheck(
        "--base", live_server.url, "--users", "1", "--seconds", "1", "--think", "1", "--login", f"staff_x:{PASSWORD}"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for page in ("units list", "dashboard", "review queue (staff)"):
        assert re.search(rf"^{re.escape(page)} +1 ", result.stdout, re.MULTILINE), (page, result.stdout)


@pytest.mark.django_db(transaction=True)
def test_loadcheck_fails_when_a_user_cannot_sign_in(live_server, world):
    result = _loadcheck(
        "--base", live_server.url, "--users", "1", "--seconds", "1", "--login", "staff_x:wrong-password"
    )
    assert result.returncode == 1
    assert "staff_x could not sign in" in result.stdout


@pytest.mark.parametrize("base", ["http://10.0.0.1:8000", "http://example.vn", "ftp://127.0.0.1/"])
def test_loadcheck_refuses_anything_but_loopback(base):
    result = _loadcheck("--base", base, "--login", "a:b")
    assert result.returncode == 2
    assert "--base" in result.stderr
