# syntax=docker/dockerfile:1
# The `migrate` binary (migrations/): creates the service databases and applies their
# numbered SQL migrations, recording them in schema_migrations. Used by the one-shot
# `migrate` service of docker-compose.yml and the Kubernetes Job in deploy/spinkube/.
#
#   docker build -f deploy/migrate.Dockerfile -t spin-shop-migrate .
#
# The Rust version matches rust-toolchain.toml (scripts/check-deploy.sh checks it).
FROM rust:1.95.0-bookworm AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p migrate \
    && cp target/release/migrate /usr/local/bin/migrate

FROM debian:bookworm-slim
COPY --from=build /usr/local/bin/migrate /usr/local/bin/migrate
USER 65534:65534
ENTRYPOINT ["/usr/local/bin/migrate"]
