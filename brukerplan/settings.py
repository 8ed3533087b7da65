"""Django settings, read from the environment (see README: Configuration)."""

import datetime
from pathlib import Path

import dj_database_url

from brukerplan.env import env_bool, env_int, env_list, env_map, env_numbered, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("BRUKERPLAN_VAR_DIR", str(BASE_DIR / "var")))

# "production" refuses to start without real secrets; anything else is development.
ENVIRONMENT = env_str("BRUKERPLAN_ENV", "development")
PRODUCTION = ENVIRONMENT == "production"

# Off unless the developer asks for it (DEBUG=true): the debug pages list every URL and
# repeat what was typed into the address, a fødselsnummer included.
DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = env_str("SECRET_KEY", "" if PRODUCTION else "development-only-not-secret")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "brukerplan.accounts",
    "brukerplan.audit",
    "brukerplan.instrument",
    "brukerplan.organisations",
    "brukerplan.registrations",
    "brukerplan.reports",
    "brukerplan.contact",
    "brukerplan.administration",
    "brukerplan.governance",
    "brukerplan.demo",
    "brukerplan.operations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # First of ours: every audit entry of the request carries its id.
    "brukerplan.audit.middleware.RequestIdMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The header middlewares wrap the session's: a response the session middleware
    # replaces (the database away when it saves) still gets every security header.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "brukerplan.accounts.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(), then: no page of a role that needs a second factor
    # before it is verified (brukerplan/accounts/second_factor.py).
    "django_otp.middleware.OTPMiddleware",
    "brukerplan.accounts.second_factor.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "brukerplan.urls"
WSGI_APPLICATION = "brukerplan.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "brukerplan" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "brukerplan.accounts.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'brukerplan.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets readers (reports) run while a writer (an import) holds the lock.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    # Per process: the dashboard's rendered pages and files (keys carry the data's fingerprint).
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Shared by every process (commands, report workers, web workers): the year's analysis
    # frame and the comparison sections, see brukerplan/reports/store.py.
    "reports": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "brukerplan_report_cache",
        "TIMEOUT": 24 * 60 * 60,
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
}

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "brukerplan.accounts.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", "Norsk bokmål")]
LOCALE_PATHS = [BASE_DIR / "brukerplan" / "locale"]
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "brukerplan" / "static"]
# Collected files in production; in development also the apps' own, so a change shows at once.
WHITENOISE_USE_FINDERS = not PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# The web application (accounts, roles, the mapping form): see brukerplan/accounts/permissions.py.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "brukerplan.accounts.oidc.Backend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "index"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 24 * 3600  # a "Glemt passord?" link; invitations have their own

# A second factor (TOTP, django-otp) before any page of a role that sees row data or more
# than one municipality; mappers too when BRUKERPLAN_SECOND_FACTOR_FOR_MAPPERS is on.
BRUKERPLAN_SECOND_FACTOR_FOR_MAPPERS = env_bool("BRUKERPLAN_SECOND_FACTOR_FOR_MAPPERS", False)
OTP_TOTP_ISSUER = "BrukerPlan"

# Login through an OpenID Connect provider (HelseID, ID-porten): off until OIDC_ISSUER is
# set. Users are matched on the provider's subject (accounts.ExternalIdentity), never
# created; roles are granted here. brukerplan/accounts/oidc.py reads the provider's
# discovery document for its endpoints.
OIDC_ISSUER = env_str("OIDC_ISSUER").rstrip("/")
OIDC_RP_CLIENT_ID = env_str("OIDC_CLIENT_ID")
OIDC_RP_CLIENT_SECRET = env_str("OIDC_CLIENT_SECRET")
OIDC_PROVIDER_NAME = env_str("OIDC_PROVIDER_NAME", "ID-porten")
OIDC_RP_SCOPES = env_str("OIDC_SCOPES", "openid")
OIDC_RP_SIGN_ALGO = env_str("OIDC_SIGN_ALGO", "RS256")
OIDC_ACR_VALUES = env_str("OIDC_ACR_VALUES")  # sent as acr_values when set
# The provider's assurance levels, lowest first; the level each role needs; the level at
# which the provider's login counts as the second factor.
OIDC_ACR_LEVELS = env_list(
    "OIDC_ACR_LEVELS", ["idporten-loa-low", "idporten-loa-substantial", "idporten-loa-high"]
)
OIDC_REQUIRED_ACR = env_map(
    "OIDC_REQUIRED_ACR",
    {
        role: "idporten-loa-substantial"
        for role in ("kartlegger", "kommunekontakt", "regional", "analytiker", "administrator")
    },
)
OIDC_SECOND_FACTOR_ACR = env_str("OIDC_SECOND_FACTOR_ACR", "idporten-loa-substantial")
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:oidc_callback"
OIDC_CREATE_USER = False
OIDC_STORE_ID_TOKEN = True  # the id_token_hint of the provider's logout
OIDC_USE_PKCE = True
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT", 10)

# E-mail: invitations and password links. Printed to the console in development; in
# production through the SMTP server the environment names.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "BrukerPlan <ikke-svar@brukerplan.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Lockout after repeated failed logins: 5 failures for one username, from one address or
# from many, lock that username out for 30 minutes; a successful login resets the count.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# What is typed as a username is stored masked: it may be a fødselsnummer typed in error.
AXES_USERNAME_CALLABLE = "brukerplan.privacy.masked_username"
AXES_WHITELIST_CALLABLE = "brukerplan.accounts.oidc.axes_exempt"

# Content-Security-Policy (django-csp 4): everything from this origin, nothing inline.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# HTTPS only in production: HSTS for a year and a redirect from plain HTTP. Behind a proxy
# that ends TLS, SECURE_PROXY_SSL_HEADER=1 trusts its X-Forwarded-Proto.
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=PRODUCTION)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
if env_bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Sessions end after 30 minutes without a request (every request renews the cookie).
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# The second wall around fødselsnummer: error reports and log lines mask any
# 11-digit number. The first wall is that only the pseudonym module ever sees one.
DEFAULT_EXCEPTION_REPORTER_FILTER = "brukerplan.privacy.MaskingExceptionReporterFilter"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_fodselsnummer": {"()": "brukerplan.privacy.MaskFodselsnummerFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["mask_fodselsnummer"],
            "formatter": "plain",
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own handlers ("Not Found: /path", the development server's request
        # lines) would print before the mask: its loggers use only the masked one.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # Chatty libraries: their progress lines are noise in commands and tests.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# BrukerPlan's own settings.
BRUKERPLAN_PSEUDONYM_KEY = env_str("BRUKERPLAN_PSEUDONYM_KEY")
# The secrets of later key versions (`brukerplan rotate-key`), BRUKERPLAN_PSEUDONYM_KEY_2 on.
BRUKERPLAN_PSEUDONYM_LATER_KEYS = env_numbered("BRUKERPLAN_PSEUDONYM_KEY_")
BRUKERPLAN_SMALL_NUMBER_THRESHOLD = env_int("BRUKERPLAN_SMALL_NUMBER_THRESHOLD", 5)
# How many mapping years registrations are kept (`brukerplan retention`); 0: not set.
BRUKERPLAN_RETENTION_YEARS = env_int("BRUKERPLAN_RETENTION_YEARS", 0)
# How long the audit trail keeps an entry; `brukerplan audit-log --prune` deletes older ones.
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 5 * 365)
# Directories of further instrument versions beside the shipped ones (a version not yet
# shipped; the tests' fixture version).
BRUKERPLAN_INSTRUMENT_DIRS = env_list("BRUKERPLAN_INSTRUMENT_DIRS", [])

if PRODUCTION and (not SECRET_KEY or not BRUKERPLAN_PSEUDONYM_KEY):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "BRUKERPLAN_ENV=production needs SECRET_KEY and BRUKERPLAN_PSEUDONYM_KEY set."
    )

# Background tasks (django-tasks, with django-tasks-db's database backend: SQLite and
# PostgreSQL alike, nothing else to run but `brukerplan db_worker`, which `make run` starts
# beside gunicorn). The worker builds the reports a closed mapping period publishes
# (brukerplan/reports/tasks.py).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
