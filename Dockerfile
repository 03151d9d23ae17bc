# syntax=docker/dockerfile:1
# tokenize-action container image: a release build on the Swift toolchain image, run on slim Debian.
# Build: docker build -t tokenize-action .   (or: make build)

ARG SWIFT_IMAGE=swift:6.3.1-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${SWIFT_IMAGE} AS build
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends pkg-config librdkafka-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
# The build cache mount keeps .build between image builds, so an edit recompiles only what changed.
RUN --mount=type=cache,target=/src/.build \
    swift build -c release --product tokenize-action --static-swift-stdlib \
 && install -D "$(swift build -c release --show-bin-path)/tokenize-action" /out/tokenize-action \
 && strip /out/tokenize-action

FROM ${RUNTIME_IMAGE}
# Only the C library the binary links (librdkafka) and CA certificates for TLS to DataHub and PostgreSQL.
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends librdkafka1 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin tokenize
COPY --from=build /out/tokenize-action /usr/local/bin/tokenize-action
USER 10001:10001
ENV HTTP_HOST=0.0.0.0 HTTP_PORT=8081 LOG_FORMAT=json
EXPOSE 8081
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/usr/local/bin/tokenize-action", "healthcheck"]
# SIGTERM (docker stop): the consumer commits and closes, runs stop at a batch boundary within SHUTDOWN_GRACE_SECONDS
# (default 25; compose's stop_grace_period is longer) and resume on the next start.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/tokenize-action"]
CMD ["serve"]
