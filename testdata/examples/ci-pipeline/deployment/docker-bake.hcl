# Built in CI by .github/workflows/ci.yml (docker/bake-action)
variable "REGISTRY" {
  default = "ghcr.io/acme"
}

variable "TAG" {
  default = "latest"
}

group "default" {
  targets = ["web", "celery-worker", "celery-beat"]
}

group "ci" {
  targets = ["test", "test-db"]
}

target "_common" {
  context = "."
}

target "web" {
  inherits   = ["_common"]
  dockerfile = "deployment/docker/web.Dockerfile"
  tags       = ["${REGISTRY}/shop-web:${TAG}"]
}

target "celery-worker" {
  inherits   = ["_common"]
  dockerfile = "deployment/docker/celery-worker.Dockerfile"
  tags       = ["${REGISTRY}/shop-celery-worker:${TAG}"]
}

target "celery-beat" {
  inherits   = ["_common"]
  dockerfile = "deployment/docker/celery-beat.Dockerfile"
  tags       = ["${REGISTRY}/shop-celery-beat:${TAG}"]
}

target "test" {
  inherits   = ["_common"]
  dockerfile = "deployment/docker/test.Dockerfile"
  tags       = ["${REGISTRY}/shop-test:${TAG}"]
}

target "test-db" {
  dockerfile-inline = <<EOT
FROM postgres:16
ENV POSTGRES_DB=shop
EOT
  tags = ["${REGISTRY}/shop-test-db:${TAG}"]
}
