# syncsvc container image: the package installed from pyproject.toml, run as a non-root user.
# Build and start with `docker compose up -d` (see docs/admin.de.md).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Install the package first (this layer is reused while only config/feeds change).
COPY pyproject.toml README.md ./
COPY syncsvc ./syncsvc
RUN pip install . \
    && useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin syncsvc \
    && mkdir -p /data/public /data/var /data/backup \
    && chown -R syncsvc:syncsvc /data

# Defaults baked into the image; docker-compose.yml mounts ./config and ./feeds over them.
COPY config ./config
COPY feeds ./feeds

# The container config binds 0.0.0.0:8080 and keeps database and outputs under /data.
ENV SYNCSVC_CONFIG=/app/config/syncsvc.docker.toml
VOLUME ["/data"]
USER syncsvc
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"]

# `--config` wins over SYNCSVC_CONFIG; without it the variable above (or compose's) applies.
CMD ["syncsvc", "run"]
