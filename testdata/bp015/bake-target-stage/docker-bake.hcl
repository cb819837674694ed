group "default" {
  targets = ["api", "api-test"]
}

target "api" {
  context    = "services/api"
  dockerfile = "Dockerfile"
  target     = "release"
  tags       = ["ghcr.io/acme/api:latest"]
}

target "api-test" {
  inherits = ["api"]
  target   = "test"
  tags     = ["ghcr.io/acme/api-test:latest"]
}
