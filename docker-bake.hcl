# Builds bakelint's container image (Dockerfile) for linux/amd64 and
# linux/arm64.
#
#   docker buildx bake                      # image-local: this platform, loaded as bakelint:local
#   GITHUB_SHA=$(git rev-parse HEAD) docker buildx bake image --push
#
# `image` pushes `${REGISTRY}/bakelint:<commit>` (and `:<VERSION>` when set),
# with a registry cache next to the image (mode=max caches the build stage).

variable "REGISTRY" {
  default = "ghcr.io/bakelint"
}

variable "GITHUB_SHA" {
  default = "dev"
}

variable "VERSION" {
  default = ""
}

group "default" {
  targets = ["image-local"]
}

target "_common" {
  context    = "."
  dockerfile = "Dockerfile"
  target     = "image"
  args = {
    BAKELINT_COMMIT = substr(GITHUB_SHA, 0, 7)
  }
  labels = {
    "org.opencontainers.image.title"       = "bakelint"
    "org.opencontainers.image.description" = "A fast linter and auto-fixer for Dockerfiles and docker-bake files"
    "org.opencontainers.image.revision"    = GITHUB_SHA
    "org.opencontainers.image.licenses"    = "MIT OR Apache-2.0"
  }
}

# This platform, loaded into the local image store.
target "image-local" {
  inherits = ["_common"]
  tags     = ["bakelint:local", "bakelint:${GITHUB_SHA}"]
  output   = ["type=docker"]
}

# Both platforms, pushed with the commit tag and a registry cache.
target "image" {
  inherits   = ["_common"]
  platforms  = ["linux/amd64", "linux/arm64"]
  tags       = compact(["${REGISTRY}/bakelint:${GITHUB_SHA}", notequal(VERSION, "") ? "${REGISTRY}/bakelint:${VERSION}" : ""])
  cache-from = ["type=registry,ref=${REGISTRY}/bakelint:buildcache"]
  cache-to   = ["type=registry,ref=${REGISTRY}/bakelint:buildcache,mode=max"]
}
