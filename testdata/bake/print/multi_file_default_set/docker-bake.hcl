variable "TAG" {
  default = "latest"
}
group "default" {
  targets = ["app"]
}
target "app" {
  tags = ["acme/app:${TAG}"]
  platforms = ["linux/amd64"]
  cache-from = ["type=registry,ref=acme/app:cache"]
  cache-to = ["type=inline"]
  args = {
    A = "1"
    B = "1"
  }
  labels = {
    keep = "yes"
  }
  output = ["type=docker"]
  annotations = ["index:org.opencontainers.image.title=app"]
  attest = ["type=provenance,mode=min"]
}
