"""QCDC Tracker settings: one module, driven by the environment.

Defaults give the embedded set-up (SQLite, Celery tasks in-process). Production sets
``DATABASE_URL``, ``CELERY_BROKER_URL``, ``SECRET_KEY``, ``ALLOWED_HOSTS`` and leaves
``DEBUG`` off, which turns on the secure-cookie/HSTS/SSL defaults below. Every variable
is listed in README.md.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# The fallback key only exists so that `make run` works on a fresh machine; production
# must set its own (check --deploy refuses this one because it is marked insecure).
SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-qcdc-embedded-default-do-not-use-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "axes",
    "simple_history",
    "django_celery_beat",
    "units",
    "conferences",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "qcdc.middleware.ContentSecurityPolicyMiddleware",
    "qcdc.middleware.HealthCheckMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "qcdc.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last: around the view only, after the sign-in check (anonymous users are sent to log in).
    "conferences.facts.preparing.FactsPreparingMiddleware",
]

ROOT_URLCONF = "qcdc.urls"
WSGI_APPLICATION = "qcdc.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "qcdc.context_processors.site",
                "conferences.context_processors.review",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # JIT compilation costs more than it saves on our report queries (measured: 1.1 s of
    # 1.4 s at 20,000 units), so it is off for the app's connections.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded database is shared by runserver and in-process tasks: wait for locks.
    # Transactions take the write lock when they begin (BEGIN IMMEDIATE): two deferred
    # transactions that both read and then write would deadlock, and SQLite answers one
    # of them "database is locked" at once instead of waiting. Waiting, the second then
    # reads the first one's commit and is refused as stale, as on PostgreSQL.
    DATABASES["default"].setdefault("OPTIONS", {}).update(timeout=20, transaction_mode="IMMEDIATE")
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication -----------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "units.backends.UsernameOrEmailBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3  # invitations and resets are valid three days

# Failed-login throttling: five failures lock, for 15 minutes, the username (from any
# address: a password cannot be guessed from many machines) and the address (for any
# username: one machine cannot try a password on every account).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address", ["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "qcdc.clientip.client_ip"
# Proxies in front of gunicorn that append to X-Forwarded-For (1 behind one nginx); 0
# ignores the header. Read by qcdc.clientip for the sign-in and reset throttles.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Password reset requests: per address asked for, and per client, in an hour.
PASSWORD_RESET_LIMIT_PER_EMAIL = env.int("PASSWORD_RESET_LIMIT_PER_EMAIL", default=3)
PASSWORD_RESET_LIMIT_PER_CLIENT = env.int("PASSWORD_RESET_LIMIT_PER_CLIENT", default=10)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# --- Internationalisation -----------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["qcdc.formats"]

# --- Static and media files ---------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# No MEDIA_URL on purpose: minutes are served only through views that check scope.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_MB", default=20) * 1024 * 1024
# Reading the minutes (conferences/minutes): OCR limits per file, in the worker.
MINUTES_OCR_LANG = env.str("MINUTES_OCR_LANG", default="vie")
# Tesseract page segmentation. 6 (one block of text) beat 1 (automatic layout, which
# dropped whole lines of skewed photos) on bench_minutes, same files and cleaning: date
# 100% vs 97.2%, contents 99.6% vs 96.5%. EXIF rotation is applied before OCR either way.
MINUTES_OCR_PSM = env.str("MINUTES_OCR_PSM", default="6")
MINUTES_OCR_MAX_PAGES = env.int("MINUTES_OCR_MAX_PAGES", default=20)
MINUTES_OCR_PAGE_SECONDS = env.int("MINUTES_OCR_PAGE_SECONDS", default=60)
MINUTES_OCR_TOTAL_SECONDS = env.int("MINUTES_OCR_TOTAL_SECONDS", default=300)
MINUTES_OCR_MEMORY_MB = env.int("MINUTES_OCR_MEMORY_MB", default=1024)
MINUTES_TEXT_MAX_PAGES = env.int("MINUTES_TEXT_MAX_PAGES", default=200)
# Two units' minutes sharing this share of their text's shingles are "nearly identical".
MINUTES_SIMILARITY_THRESHOLD = env.float("MINUTES_SIMILARITY_THRESHOLD", default=0.8)
MINUTES_SIMILARITY_MAX_PAIRS = 50

# --- Forms ----------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
# Filter bars: an empty choice means no filter.
FILTERS_EMPTY_CHOICE_LABEL = _("Tất cả")

# --- E-mail ---------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="QCDC Tracker <no-reply@qcdc.local>")

# --- Celery and the cache ---------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
# The throttles count in the cache: shared by every web process through Redis when the
# broker is Redis; in process memory for the embedded set-up (one process).
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CELERY_BROKER_URL}
        if CELERY_BROKER_URL.startswith(("redis://", "rediss://"))
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
CELERY_TIMEZONE = TIME_ZONE
# A running job stamps its heartbeat this often; the sweep (every minute) takes one
# silent for longer than JOB_DEAD_AFTER_SECONDS as dead: detected within two minutes.
JOB_HEARTBEAT_SECONDS = env.int("JOB_HEARTBEAT_SECONDS", default=15)
JOB_DEAD_AFTER_SECONDS = env.int("JOB_DEAD_AFTER_SECONDS", default=60)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# A year's report facts not built yet are built within the request that first asks for
# them up to this many units (a year of 20,000 units: 4–7 s measured on PostgreSQL);
# above it, by a job, while the page answers 503 "being prepared" (conferences.facts.preparing).
FACTS_INLINE_BUILD_UNITS = env.int("FACTS_INLINE_BUILD_UNITS", default=20_000)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- Security -------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 8)
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    # Behind a TLS-terminating proxy (nginx, a load balancer) that sets this header.
    if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Celery beat keeps its schedule in the database (editable in the admin); these entries
# are written there on start.
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "reports.tasks.worker_heartbeat", "schedule": 300.0},
}

# Every link in every e-mail and letter is built from this address, never from a request
# (a job has none, and a Host header is the sender's to choose). Required in production
# (units.checks).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
CELERY_BEAT_SCHEDULE |= {
    "rebuild-reports-nightly": {
        "task": "reports.tasks.rebuild_current_year",
        "schedule": crontab(hour=1, minute=30),
    },
    # The key stays, so the schedule row already in the database is updated in place.
    "sweep-report-runs": {"task": "reports.tasks.sweep_jobs", "schedule": 60.0},
    "weekly-reminders": {
        "task": "reports.tasks.send_reminders",
        "schedule": crontab(hour=7, minute=0, day_of_week="mon"),
    },
}
