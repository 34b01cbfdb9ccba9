FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
RUN useradd --create-home --uid 10001 broker
# The dependency layer: rebuilt only when the lock file changes, and the same versions every build.
COPY requirements.lock ./
RUN pip install --no-deps -r requirements.lock
COPY pyproject.toml README.md ./
COPY broker ./broker
COPY seed ./seed
COPY search ./search
RUN pip install --no-deps .
USER broker
ENV BROKER_DATA_DIR=/home/broker/data
EXPOSE 8000
# Liveness only: the process answers. /readyz (database reachable) is for routing, not restarts.
HEALTHCHECK --interval=15s --timeout=3s --retries=5 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"
CMD ["broker", "serve", "--host", "0.0.0.0", "--port", "8000"]
