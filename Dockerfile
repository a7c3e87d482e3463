# syntax=docker/dockerfile:1
FROM python:3.11-slim AS build
WORKDIR /srv
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY pyproject.toml README.md ./
COPY app ./app
RUN pip install --no-cache-dir --upgrade pip && pip install --no-cache-dir .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 router
WORKDIR /srv
COPY --from=build /opt/venv /opt/venv
COPY app ./app
COPY migrations ./migrations
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/srv \
    PYTHONUNBUFFERED=1 \
    ROUTER_DATABASE_URL=sqlite+aiosqlite:////srv/data/router.db
RUN mkdir -p /srv/data /srv/backups && chown router:router /srv/data /srv/backups
USER router
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"
CMD ["router", "serve", "--host", "0.0.0.0", "--port", "8000"]
