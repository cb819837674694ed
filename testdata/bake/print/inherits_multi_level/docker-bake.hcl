target "_base" {
  dockerfile = "base.Dockerfile"
  args = {
    GO_VERSION = "1.22"
    BASE = "yes"
  }
  labels = {
    "org.opencontainers.image.source" = "https://github.com/acme/app"
  }
  tags = ["acme/base"]
  platforms = ["linux/amd64"]
}
target "_release" {
  inherits = ["_base"]
  args = {
    GO_VERSION = "1.23"
    RELEASE = "1"
  }
  platforms = ["linux/amd64", "linux/arm64"]
}
target "app" {
  inherits = ["_release"]
  target = "app"
  tags = ["acme/app:latest"]
  args = {
    APP = "app"
  }
}
