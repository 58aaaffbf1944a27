# Production image: gunicorn + whitenoise for the web; the same image runs the worker and beat.
FROM python:3.12-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=rtr.settings.base

WORKDIR /app
RUN useradd --create-home --uid 10001 rtr

COPY pyproject.toml README.md ./
COPY rtr ./rtr
COPY patients ./patients
COPY protocols ./protocols
COPY checkins ./checkins
COPY interop ./interop
COPY loads ./loads
RUN pip install .

COPY . .
# collectstatic needs settings that load; the key is a build-time throwaway, never used to serve.
RUN DJANGO_SECRET_KEY=build-only-collectstatic-key-not-used-at-runtime-000000 \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 EMAIL_URL=dummymail:// \
    python manage.py collectstatic --noinput -v0

# The private folder of the run files (a volume in docker-compose.yml), written by the app user.
RUN mkdir -p /data/private && chown rtr /data/private
USER rtr
EXPOSE 8000
CMD ["gunicorn", "rtr.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4", "--access-logfile", "-"]
