# syntax=docker/dockerfile:1

# bakelint's container image: one static (musl) binary on an empty base.
#
#   docker buildx bake                    # this platform, tagged bakelint:local
#   docker run --rm -v "$PWD:/src" bakelint:local           # lint the mounted project
#   docker run --rm -u "$(id -u):$(id -g)" -v "$PWD:/src" bakelint:local check --fix .
#
# The binary is cross-compiled on the build platform with tonistiigi/xx (no
# emulation: an arm64 image builds as fast as an amd64 one); docker-bake.hcl
# builds linux/amd64 and linux/arm64 with commit tags and a registry cache.

ARG RUST_VERSION=1.95
ARG ALPINE_VERSION=3.22
ARG XX_VERSION=1.6.1

FROM --platform=$BUILDPLATFORM tonistiigi/xx:${XX_VERSION} AS xx

FROM --platform=$BUILDPLATFORM rust:${RUST_VERSION}-alpine${ALPINE_VERSION} AS build
COPY --from=xx /usr/bin/xx-* /usr/bin/
# clang and lld link for the target platform. Not pinned: an Alpine branch
# keeps only the latest build of a package, so a pinned version breaks the
# build when a security update lands; ALPINE_VERSION pins the branch instead.
# hadolint ignore=DL3018
RUN apk add --no-cache clang lld
ARG TARGETPLATFORM
# The target's C library and compiler, for the C parts (tree-sitter, mimalloc).
RUN xx-apk add --no-cache musl-dev gcc
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY benches ./benches
COPY rules ./rules
COPY src ./src
# `bakelint --version` names this commit (the image has no .git).
ARG BAKELINT_COMMIT=unknown
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/src/target,id=bakelint-target-$TARGETPLATFORM,sharing=locked \
    xx-cargo build --release --locked --bin bakelint \
    && triple="$(xx-cargo --print-target-triple)" \
    && xx-verify --static "target/$triple/release/bakelint" \
    && cp "target/$triple/release/bakelint" /usr/local/bin/bakelint

FROM scratch AS image
COPY --from=build /usr/local/bin/bakelint /usr/local/bin/bakelint
# Not root: a numeric user (the image has no /etc/passwd). To let `--fix`
# write to a mounted project, run as its owner: `docker run -u "$(id -u):$(id -g)"`.
USER 65532:65532
# Mount the project here.
WORKDIR /src
ENTRYPOINT ["bakelint"]
CMD ["check", "."]
