# syntax=docker/dockerfile:1
#
# One image with all service binaries (campaign-worker, campaign-api,
# wa-sandbox); pick the process with the container command, e.g.
#   docker run --rm campaign-engine campaign-worker
# Used by docker-compose.temporal.yml. Migrations are embedded in the binaries
# (sqlx::migrate!) and applied at start-up.

ARG RUST_IMAGE=rust:1-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${RUST_IMAGE} AS build
# protoc (+ well-known types) for the Temporal SDK's protobuf build scripts.
RUN apt-get update \
 && apt-get install -y --no-install-recommends protobuf-compiler libprotobuf-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# Packages whose binaries go into the image (each has a bin of the same name).
ARG PACKAGES="campaign-worker campaign-api wa-sandbox"
# Cache mounts keep the registry and target dir between builds; the binaries are
# copied out of the (mounted) target dir in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target \
    set -eux; \
    args=""; for p in $PACKAGES; do args="$args -p $p"; done; \
    cargo build --release --locked $args; \
    mkdir -p /out; \
    for p in $PACKAGES; do cp "target/release/$p" /out/; done; \
    ls -l /out

FROM ${RUNTIME_IMAGE} AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin app
COPY --from=build /out/ /usr/local/bin/
USER app
ENV RUST_LOG=info
CMD ["campaign-worker"]
