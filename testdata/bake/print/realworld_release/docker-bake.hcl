# A real-world sized bake file, in the style of BuildKit's and buildx's own.

variable "GO_VERSION" {
  default = null
}
variable "DOCS_FORMATS" {
  default = "md"
}
variable "DESTDIR" {
  default = "./bin"
}
variable "TEST_COVERAGE" {
  default = null
}
variable "GOLANGCI_LINT_MULTIPLATFORM" {
  default = ""
}
variable "BUILD_TAGS" {
  default = ""
}
variable "IMAGE_REPO" {
  type    = string
  default = "docker.io/acme/buildkit"
  description = "Image repository"
  validation {
    condition     = strlen(IMAGE_REPO) > 0
    error_message = "IMAGE_REPO must not be empty."
  }
}
variable "VERSION" {
  default = "v0.0.0+unknown"
}
variable "PLATFORMS" {
  type    = list(string)
  default = ["linux/amd64", "linux/arm64", "linux/arm/v7", "linux/ppc64le", "linux/s390x"]
}
variable "CACHE_REPO" {
  default = ""
}

# Defines the output folder to override the default behavior.
function "bindir" {
  params = [defaultdir]
  result = DESTDIR != "" ? DESTDIR : "./bin/${defaultdir}"
}

function "cache_from" {
  params = [name]
  result = CACHE_REPO == "" ? [] : ["type=registry,ref=${CACHE_REPO}:${name}"]
}

function "cache_to" {
  params = [name]
  result = CACHE_REPO == "" ? [] : ["type=registry,ref=${CACHE_REPO}:${name},mode=max"]
}

function "image_tags" {
  params = [suffix]
  result = [
    "${IMAGE_REPO}:${trimprefix(VERSION, "v")}${suffix}",
    "${IMAGE_REPO}:latest${suffix}",
  ]
}

target "_common" {
  args = {
    GO_VERSION = GO_VERSION
    BUILDKIT_CONTEXT_KEEP_GIT_DIR = 1
    BUILD_TAGS = BUILD_TAGS
  }
  labels = {
    "org.opencontainers.image.source" = "https://github.com/acme/buildkit"
    "org.opencontainers.image.version" = VERSION
  }
}

group "default" {
  targets = ["binaries"]
}

target "binaries" {
  inherits = ["_common"]
  target = "binaries"
  output = [bindir("build")]
  cache-from = cache_from("binaries")
  cache-to = cache_to("binaries")
  platforms = ["local"]
}

target "binaries-cross" {
  inherits = ["binaries"]
  output = [bindir("cross")]
  platforms = PLATFORMS
}

target "release" {
  inherits = ["binaries-cross"]
  target = "release"
  output = [bindir("release")]
}

group "validate" {
  targets = ["lint", "validate-vendor", "validate-docs", "validate-generated-files"]
}

target "lint" {
  name = "lint-${buildtags.name}"
  inherits = ["_common"]
  dockerfile = "./hack/dockerfiles/lint.Dockerfile"
  output = ["type=cacheonly"]
  target = buildtags.target
  args = {
    TARGETNAME = buildtags.name
    BUILDTAGS = buildtags.tags
  }
  platforms = buildtags.target == "golangci-lint" && GOLANGCI_LINT_MULTIPLATFORM != "" ? [
    "freebsd/amd64",
    "linux/amd64",
    "linux/arm64",
    "linux/s390x",
    "linux/ppc64le",
    "windows/amd64",
  ] : []
  matrix = {
    buildtags = [
      { name = "default", tags = "", target = "golangci-lint" },
      { name = "labs", tags = "dfrunmount dfparents", target = "golangci-lint" },
      { name = "nydus", tags = "nydus", target = "golangci-lint" },
      { name = "yaml", tags = "", target = "yamllint" },
      { name = "golangci-verify", tags = "", target = "golangci-verify" },
    ]
  }
}

target "validate-vendor" {
  inherits = ["_common"]
  dockerfile = "./hack/dockerfiles/vendor.Dockerfile"
  target = "validate"
  output = ["type=cacheonly"]
}

target "validate-docs" {
  inherits = ["_common"]
  args = {
    FORMATS = DOCS_FORMATS
  }
  dockerfile = "./hack/dockerfiles/docs.Dockerfile"
  target = "validate"
  output = ["type=cacheonly"]
}

target "validate-generated-files" {
  inherits = ["_common"]
  dockerfile = "./hack/dockerfiles/generated-files.Dockerfile"
  target = "validate"
  output = ["type=cacheonly"]
}

target "vendor" {
  inherits = ["_common"]
  dockerfile = "./hack/dockerfiles/vendor.Dockerfile"
  target = "update"
  output = ["."]
}

target "docs" {
  inherits = ["_common"]
  args = {
    FORMATS = DOCS_FORMATS
    BUILDX_EXPERIMENTAL = 1
  }
  dockerfile = "./hack/dockerfiles/docs.Dockerfile"
  target = "update"
  output = ["./docs/reference"]
}

target "image" {
  inherits = ["_common"]
  target = "buildkit-linux"
  tags = image_tags("")
  cache-from = cache_from("image")
  attest = [
    { type = "provenance", mode = "max" },
    "type=sbom",
  ]
  output = ["type=image"]
}

target "image-cross" {
  inherits = ["image"]
  platforms = PLATFORMS
}

target "image-rootless" {
  inherits = ["image-cross"]
  target = "rootless"
  tags = image_tags("-rootless")
}

target "image-local" {
  inherits = ["image"]
  output = ["type=docker"]
  tags = ["${IMAGE_REPO}:local"]
}

variable "HTTP_PROXY" {
  default = ""
}
variable "HTTPS_PROXY" {
  default = ""
}
variable "NO_PROXY" {
  default = ""
}

target "integration-tests-base" {
  inherits = ["_common"]
  target = "integration-tests-base"
  output = ["type=cacheonly"]
  args = {
    HTTP_PROXY = HTTP_PROXY
    HTTPS_PROXY = HTTPS_PROXY
    NO_PROXY = NO_PROXY
  }
}

target "integration-tests" {
  inherits = ["integration-tests-base"]
  target = "integration-tests"
  contexts = {
    base = "target:integration-tests-base"
  }
}

target "test" {
  name = "test-${sanitize(pkg)}-${worker}"
  inherits = ["_common"]
  target = "test"
  matrix = {
    pkg = ["./client", "./cmd/buildctl", "./frontend/dockerfile"]
    worker = ["oci", "containerd"]
  }
  args = {
    TEST_PKG = pkg
    TEST_WORKER = worker
    TEST_COVERAGE = TEST_COVERAGE == null ? "" : TEST_COVERAGE
  }
  output = ["type=local,dest=./coverage/${sanitize(pkg)}-${worker}"]
  secret = ["id=GITHUB_TOKEN,env=GITHUB_TOKEN"]
}

target "frontend-dockerfile" {
  name = "frontend-dockerfile-${channel}"
  matrix = {
    channel = ["mainline", "labs"]
  }
  context = "."
  dockerfile = "./frontend/dockerfile/cmd/dockerfile-frontend/Dockerfile"
  args = {
    CHANNEL = channel
    BUILDTAGS = channel == "labs" ? "dfrunsecurity dfparents" : ""
  }
  tags = [for t in image_tags("") : replace(t, "buildkit", "dockerfile-${channel}")]
  platforms = [for p in PLATFORMS : p if p != "linux/s390x"]
}

group "frontends" {
  targets = ["frontend-dockerfile"]
}

group "all" {
  targets = ["binaries", "image", "frontends", "validate"]
}
