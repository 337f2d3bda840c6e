# Redis for the deploy test, where no registry can be reached: Debian's
# redis-server from the image's build stage (tools/deps.sh installs it for
# the tests, so no further download), set up as redis:7 is for
# docker-compose.yml: redis-server and redis-cli on the PATH, /data owned
# by the redis user and the working directory.
ARG BUILD_IMAGE=crawlfleet-build:test-deploy
FROM ${BUILD_IMAGE}
RUN install -d -o redis -g redis /data
WORKDIR /data
USER redis
EXPOSE 6379
CMD ["redis-server", "--protected-mode", "no"]
