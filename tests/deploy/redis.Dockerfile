# Redis for the deploy test, from Debian's package on the local base
# image (no registry can be reached there); behaves as redis:7 does for
# docker-compose.yml: redis-server and redis-cli on the PATH, /data
# owned by the redis user and the working directory.
ARG BASE=crawlfleet-base:bookworm
FROM ${BASE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        redis-server redis-tools \
 && rm -rf /var/lib/apt/lists/* \
 && install -d -o redis -g redis /data
WORKDIR /data
USER redis
EXPOSE 6379
CMD ["redis-server", "--protected-mode", "no"]
