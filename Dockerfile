# The production image: the locked dependencies (hashes checked), no embedded PostgreSQL,
# a non-root user, a health check on /ready. See README "Docker".
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# Dependencies first: this layer is rebuilt only when the lock changes.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock

COPY pyproject.toml README.md alembic.ini ./
COPY graph graph
COPY db db
COPY domain domain
RUN pip install --no-deps . \
    && useradd --system --uid 10001 --home-dir /app --no-create-home edm \
    && mkdir -p /app/data \
    && chown edm /app/data

USER edm
ENV EDM_HOST=0.0.0.0 \
    EDM_DATA_DIR=/app/data
EXPOSE 8000

# Healthy once the database answers; 503 from /ready (database down) makes it unhealthy.
HEALTHCHECK --interval=10s --timeout=3s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import urllib.request as r; r.urlopen('http://127.0.0.1:8000/ready', timeout=2)"]

# serve handles SIGTERM: in-flight requests get EDM_SHUTDOWN_TIMEOUT seconds, then it exits.
STOPSIGNAL SIGTERM
CMD ["edm-graph", "serve"]
