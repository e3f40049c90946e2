# `palaestra serve-env` in a container: an OpenEnv server of palaestra envs.
#
# Build from the repository root, then publish the port on loopback only:
#   docker build -f docker/serve-env.Dockerfile -t palaestra-serve-env .
#   docker run --rm -p 127.0.0.1:8000:8000 palaestra-serve-env Snake-Text-v0 Sokoban-Text-v0
#
# Without a registry (an air-gapped engine), build on a base image made here and install from wheels
# instead of an index (docs/integrations.md, "Docker"):
#   docker/local-python-base.sh local/python:3-host             # this host's python3 as an image
#   pip download '.[openenv]' setuptools -d docker/wheels      # from any index pip reaches
#   docker build -f docker/serve-env.Dockerfile --build-arg BASE_IMAGE=local/python:3-host \
#       --build-arg PIP_OPTIONS="--no-index --find-links /opt/wheels" -t palaestra-serve-env .
ARG BASE_IMAGE=python:3.11-slim
FROM ${BASE_IMAGE}

ARG PIP_OPTIONS=""
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy

WORKDIR /opt/palaestra
COPY docker/wheels/ /opt/wheels/
COPY pyproject.toml README.md ./
COPY palaestra/ ./palaestra/
COPY docker/healthcheck.py ./
RUN python -m pip install --no-cache-dir ${PIP_OPTIONS} ".[openenv]" \
    && useradd --create-home --uid 10001 palaestra
USER palaestra

EXPOSE 8000
# Inside the container the server must listen on every interface for the published port to reach it;
# publish it on the host's loopback (-p 127.0.0.1:8000:8000) to keep it off the network.
ENTRYPOINT ["palaestra", "serve-env", "--host", "0.0.0.0", "--port", "8000"]
CMD ["Snake-Text-v0"]
# (failures in the first 30 s, while the server imports, do not count)
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s CMD ["python", "/opt/palaestra/healthcheck.py"]
