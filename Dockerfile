# The production image: gunicorn serving Django, the same image runs the Celery worker and beat.
FROM python:3.11-slim-bookworm AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT=/app/.venv
RUN apt-get update && apt-get install -y --no-install-recommends \
        nodejs npm libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libffi8 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml uv.lock package.json package-lock.json ./
RUN pip install --no-cache-dir "uv==0.13.9" \
    && uv sync --frozen --no-default-groups \
    && npm ci --no-audit --no-fund --loglevel=error
COPY . .
RUN DJANGO_SETTINGS_MODULE=prm.settings.production DJANGO_SECRET_KEY=collectstatic-only PRM_MFA_KEYS=collectstatic-only \
    /app/.venv/bin/python manage.py collectstatic --no-input -v 0
RUN useradd --system --uid 1000 prm && mkdir -p /app/var && chown -R prm /app/var
USER prm
ENV PATH="/app/.venv/bin:$PATH" DJANGO_SETTINGS_MODULE=prm.settings.production
EXPOSE 8000
# Workers and threads: deploy/gunicorn.conf.py (PRM_WEB_WORKERS, PRM_WEB_THREADS).
CMD ["gunicorn", "--config", "deploy/gunicorn.conf.py", "prm.wsgi:application"]
