REGISTRY = "docker.io/acme"
IMAGE = "${REGISTRY}/app"
target "default" {
  tags = ["${IMAGE}:latest"]
}
