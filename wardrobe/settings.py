"""Settings for the wardrobe app, read from environment variables.

Every value has an embedded default that runs on one machine with nothing else
installed: SQLite and media under var/, a Celery broker kept in files, a file cache.
Production swaps in PostgreSQL (DATABASE_URL), Redis (CELERY_BROKER_URL, CACHE_URL)
and S3-compatible media (AWS_STORAGE_BUCKET_NAME and friends).
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("WARDROBE_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


def env_list(name: str, default: str) -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def _local_secret_key() -> str:
    """A random key kept under var/, so local sessions survive restarts."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or _local_secret_key()
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # the API docs page's Swagger UI, served from here (no CDN)
    "django_prometheus",
    "accounts",
    "wardrobe",
    "wardrobe.catalog",
    "inference",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",  # first: requests' latency
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",  # last: responses by view and status
]

ROOT_URLCONF = "wardrobe.urls"
WSGI_APPLICATION = "wardrobe.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # Web and worker processes write at once: WAL lets readers go on, and
        # IMMEDIATE transactions queue writers instead of failing them.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (login throttling must be shared by all web processes) ----------
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["CACHE_URL"]}
        if os.environ.get("CACHE_URL")
        else {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(VAR_DIR / "cache" / "django")}
    )
}

# --- Accounts ---------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_LIMIT_PER_ADDRESS = env_int("LOGIN_FAILURE_LIMIT_PER_ADDRESS", 30)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60)
# Reset mails an hour to one address, and asked for from one address (the page looks the same
# either way, so it tells nobody whether a mail went).
PASSWORD_RESET_MAILS_PER_EMAIL = env_int("PASSWORD_RESET_MAILS_PER_EMAIL", 3)
PASSWORD_RESET_MAILS_PER_ADDRESS = env_int("PASSWORD_RESET_MAILS_PER_ADDRESS", 20)
PASSWORD_RESET_WINDOW_SECONDS = env_int("PASSWORD_RESET_WINDOW_SECONDS", 60 * 60)

# --- Email (password reset) ---------------------------------------------------
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "wardrobe@localhost")

# --- Languages --------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ko", _("Korean"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Seoul")
USE_I18N = True
USE_TZ = True

# --- Static files and media ---------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_MIMETYPES = {".webmanifest": "application/manifest+json"}  # the installable app's manifest

AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
if AWS_STORAGE_BUCKET_NAME:
    # Media stays private: objects carry no public ACL and browsers get presigned URLs
    # that expire, handed out only by the owner-checked media view.
    MEDIA_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "access_key": os.environ.get("AWS_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": env_int("AWS_QUERYSTRING_EXPIRE", 300),
            "file_overwrite": False,
            "addressing_style": os.environ.get("AWS_S3_ADDRESSING_STYLE") or None,
            "signature_version": os.environ.get("AWS_S3_SIGNATURE_VERSION") or "s3v4",
        },
    }
else:
    MEDIA_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": None},
    }
STORAGES = {
    "default": MEDIA_STORAGE,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage" if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}

# --- Uploads ------------------------------------------------------------------
MAX_UPLOAD_BYTES = env_int("MAX_UPLOAD_MB", 25) * 1024 * 1024
# Larger than any phone camera (48 MP); a decompression bomb declares far more.
MAX_IMAGE_PIXELS = env_int("MAX_IMAGE_MEGAPIXELS", 64) * 1_000_000
# Smaller than this on a side, or longer than this many times its width, no garment can be seen.
MIN_IMAGE_SIDE = 32
MAX_IMAGE_ASPECT = 10
MAX_PHOTOS_PER_UPLOAD = env_int("MAX_PHOTOS_PER_UPLOAD", 20)
# One account must not fill the disk for everyone.
MAX_ITEMS_PER_USER = env_int("MAX_ITEMS_PER_USER", 5000)
MAX_STORAGE_BYTES_PER_USER = env_int("MAX_STORAGE_MB_PER_USER", 10 * 1024) * 1024 * 1024
UPLOADS_PER_HOUR = env_int("UPLOADS_PER_HOUR", 300)
DATA_UPLOAD_MAX_NUMBER_FILES = MAX_PHOTOS_PER_UPLOAD
FILE_UPLOAD_MAX_MEMORY_SIZE = 4 * 1024 * 1024

# --- Processing -----------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "celery" / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
        # kombu looks for new files once a second by default: most of a photo's wait.
        "polling_interval": env_float("BROKER_POLLING_SECONDS", 0.1),
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # A broker host that stops answering must not hang an upload: fail fast, use the outbox.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 3}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"inference.tasks.*": {"queue": "gpu"}}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celery" / "beat-schedule")
# The sweep sends what the broker missed and takes back dead workers' batches.
SWEEP_INTERVAL_SECONDS = env_float("SWEEP_INTERVAL_SECONDS", 5)
CELERY_BEAT_SCHEDULE = {
    "sweep-processing": {"task": "wardrobe.tasks.sweep_processing", "schedule": SWEEP_INTERVAL_SECONDS,
                         # a sweep nobody ran in time is replaced by the next one
                         "options": {"expires": SWEEP_INTERVAL_SECONDS * 2}},
}
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# Your data (wardrobe.daily, wardrobe.portability): today's outfit for those whose hour has
# come, and exports/imports the broker missed or whose time is up.
DAILY_OUTFIT_INTERVAL_SECONDS = env_float("DAILY_OUTFIT_INTERVAL_SECONDS", 300)
CELERY_BEAT_SCHEDULE["daily-outfits"] = {"task": "wardrobe.tasks.send_daily_outfits",
                                         "schedule": DAILY_OUTFIT_INTERVAL_SECONDS,
                                         "options": {"expires": DAILY_OUTFIT_INTERVAL_SECONDS}}
CELERY_BEAT_SCHEDULE["data-sweep"] = {"task": "wardrobe.tasks.sweep_data", "schedule": 300.0,
                                      "options": {"expires": 300}}

# A worker renews the claim on its batch this often; a claim not renewed for
# CLAIM_STALE_SECONDS belongs to a dead worker and goes back to the queue.
CLAIM_HEARTBEAT_SECONDS = env_float("CLAIM_HEARTBEAT_SECONDS", 5)
CLAIM_STALE_SECONDS = env_float("CLAIM_STALE_SECONDS", 30)
# A queued item sent this long ago, with the processing queue empty, lost its message.
QUEUE_LOST_SECONDS = env_float("QUEUE_LOST_SECONDS", 30)
# Unsent items younger than this are left to the web process that is sending them.
OUTBOX_GRACE_SECONDS = env_float("OUTBOX_GRACE_SECONDS", 2)
OUTBOX_BATCH = env_int("OUTBOX_BATCH", 500)
MAX_PROCESSING_ATTEMPTS = env_int("MAX_PROCESSING_ATTEMPTS", 3)
# A worker takes up to this many queued photos at once, so the models run in batches.
PROCESSING_BATCH_SIZE = env_int("PROCESSING_BATCH_SIZE", 8)
# Model outputs below this confidence send an item to the admins' review queue.
REVIEW_CONFIDENCE_THRESHOLD = env_float("REVIEW_CONFIDENCE_THRESHOLD", 0.70)
# A stain or damage box the detector is less sure of than this sends the item to review.
REVIEW_DEFECT_CONFIDENCE_THRESHOLD = env_float("REVIEW_DEFECT_CONFIDENCE_THRESHOLD", 0.5)
# Items less alike than this (cosine of embeddings) are not shown as "similar".
SIMILAR_ITEMS_MIN_SIMILARITY = env_float("SIMILAR_ITEMS_MIN_SIMILARITY", 0.3)
# Perceptual-hash distance (of 64 bits) under which two photos count as the same shot.
DUPLICATE_PHASH_DISTANCE = env_int("DUPLICATE_PHASH_DISTANCE", 8)
# Cleanout: an item not worn for this many months (never worn and added that long ago) is
# one to reconsider; an item the owner decided to keep stays out of the queue this many days.
CLEANOUT_UNWORN_MONTHS = env_int("CLEANOUT_UNWORN_MONTHS", 12)
CLEANOUT_KEEP_DAYS = env_int("CLEANOUT_KEEP_DAYS", 180)

# Model locations: empty means the weights that ship offline (in this repo or in a package).
SEGMENTATION_MODEL_PATH = os.environ.get("SEGMENTATION_MODEL_PATH", "")
GARMENT_MODEL_DIR = os.environ.get("GARMENT_MODEL_DIR", "")
GARMENT_PRETRAINED_WEIGHTS = os.environ.get("GARMENT_PRETRAINED_WEIGHTS", "")
PATTERN_MODEL_DIR = os.environ.get("PATTERN_MODEL_DIR", "")
DEFECT_MODEL_DIR = os.environ.get("DEFECT_MODEL_DIR", "")
DIRTY_MARKS_DATA_DIR = os.environ.get("DIRTY_MARKS_DATA_DIR", str(BASE_DIR.parent / "shared" / "datasets" / "dirty-marks"))
# The grade's policy (inference/grade.py): shares of the garment's area and counts.
GRADE_POLICY = {
    "min_confidence": env_float("GRADE_MIN_CONFIDENCE", 0.25),
    "recycle_stain_area": env_float("GRADE_RECYCLE_STAIN_AREA", 0.02),
    "recycle_stain_count": env_int("GRADE_RECYCLE_STAIN_COUNT", 3),
    "dispose_stain_area": env_float("GRADE_DISPOSE_STAIN_AREA", 0.30),
    "dispose_damage_area": env_float("GRADE_DISPOSE_DAMAGE_AREA", 0.08),
}
# Captions: empty composes them from the fields (inference/captions.py); a BLIP hub id or
# directory writes the sentence of its language from the photo (needs requirements-train.txt).
CAPTION_MODEL = os.environ.get("CAPTION_MODEL", "")
CAPTION_MODEL_LANGUAGE = os.environ.get("CAPTION_MODEL_LANGUAGE", "en")
CAPTION_PROMPT = os.environ.get("CAPTION_PROMPT", "")  # BLIP's conditional prefix, e.g. "a photo of"
# Weather for outfits: "open-meteo" (no key) or "" (typed by hand). The city comes from the profile.
WEATHER_PROVIDER = os.environ.get("WEATHER_PROVIDER", "")
WEATHER_GEOCODING_URL = os.environ.get("WEATHER_GEOCODING_URL", "https://geocoding-api.open-meteo.com/v1/search")
WEATHER_FORECAST_URL = os.environ.get("WEATHER_FORECAST_URL", "https://api.open-meteo.com/v1/forecast")
WEATHER_TIMEOUT_SECONDS = env_float("WEATHER_TIMEOUT_SECONDS", 2.0)
WEATHER_CACHE_SECONDS = env_int("WEATHER_CACHE_SECONDS", 30 * 60)
# Shop catalog: a feed's remote product images get this long to arrive.
PRODUCT_IMAGE_TIMEOUT_SECONDS = env_float("PRODUCT_IMAGE_TIMEOUT_SECONDS", 10.0)
TRAINING_DATA_DIR = os.environ.get("TRAINING_DATA_DIR", str(BASE_DIR.parent / "shared" / "datasets" / "clothing"))

# --- Your data: export, import, account deletion, today's outfit --------------------
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")  # links in mails
EXPORT_EXPIRY_HOURS = env_int("EXPORT_EXPIRY_HOURS", 72)
# An archive to import: its size, and what it may unpack to (zip bombs are refused).
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_MB", 2048) * 1024 * 1024
IMPORT_MAX_ENTRIES = env_int("IMPORT_MAX_ENTRIES", 60_000)
IMPORT_MAX_UNPACKED_BYTES = env_int("IMPORT_MAX_UNPACKED_MB", 4096) * 1024 * 1024
IMPORT_MAX_JSON_BYTES = env_int("IMPORT_MAX_JSON_MB", 256) * 1024 * 1024
IMPORT_MAX_RATIO = env_int("IMPORT_MAX_RATIO", 200)  # unpacked / packed size of one entry
# Today's outfit goes out within this many hours after the chosen one (a scheduler that was
# away catches up); its one-click links work this long.
DAILY_OUTFIT_CATCH_UP_HOURS = env_int("DAILY_OUTFIT_CATCH_UP_HOURS", 3)
DAILY_LINK_MAX_AGE_HOURS = env_int("DAILY_LINK_MAX_AGE_HOURS", 72)
DAILY_WEBHOOK_TIMEOUT_SECONDS = env_float("DAILY_WEBHOOK_TIMEOUT_SECONDS", 5.0)
DAILY_WEBHOOK_MAX_RETRIES = env_int("DAILY_WEBHOOK_MAX_RETRIES", 5)
# Webhooks to private, loopback or link-local addresses are refused unless this is on.
DAILY_WEBHOOK_ALLOW_PRIVATE = env_bool("DAILY_WEBHOOK_ALLOW_PRIVATE", False)

# --- JSON API (/api/v1/, wardrobe/api/) and metrics (wardrobe/metrics.py) -----------
REST_FRAMEWORK = {
    # A bearer token first, so a request without credentials gets a 401 that says "Bearer";
    # a browser's session second, with Django's CSRF check on every unsafe method.
    "DEFAULT_AUTHENTICATION_CLASSES": ["wardrobe.api.auth.AccessTokenAuthentication",
                                       "rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["wardrobe.api.auth.ClientRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "NUM_PROXIES": 0,  # the client's address is REMOTE_ADDR (see the README), never X-Forwarded-For
}
# Requests per token (or signed-in person), and per address without credentials.
API_RATE = os.environ.get("API_RATE", "600/minute")
API_ANONYMOUS_RATE = os.environ.get("API_ANONYMOUS_RATE", "60/minute")
SPECTACULAR_SETTINGS = {
    "TITLE": "AI Wardrobe API",
    "DESCRIPTION": "Your closet and outfits. Send a personal access token made on My page as "
                   "`Authorization: Bearer <token>`, or use the site's session (with its CSRF token).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {"ItemStatusEnum": "wardrobe.models.Item.Status",
                            "RecommendationStatusEnum": "wardrobe.models.RecommendationRequest.Status",
                            "ColorEnum": "wardrobe.api.serializers.COLOR_CHOICES",
                            "SeasonEnum": "wardrobe.api.serializers.SEASON_CHOICES",
                            "StyleEnum": "wardrobe.api.serializers.STYLE_CHOICES"},
}
# /metrics answers only with "Authorization: Bearer <METRICS_TOKEN>"; without one set it is 404.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
# A worker exports its own metrics on this address and port (0: none).
WORKER_METRICS_PORT = env_int("WORKER_METRICS_PORT", 0)
WORKER_METRICS_ADDRESS = os.environ.get("WORKER_METRICS_ADDRESS", "127.0.0.1")

# --- Security behind HTTPS ---------------------------------------------------
if env_bool("DJANGO_HTTPS", False):
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

for _folder in (VAR_DIR, MEDIA_ROOT, VAR_DIR / "celery" / "broker", VAR_DIR / "celery" / "control"):
    _folder.mkdir(parents=True, exist_ok=True)
