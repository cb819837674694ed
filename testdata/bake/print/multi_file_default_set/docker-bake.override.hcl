TAG = "override"
target "app" {
  tags = ["acme/app:${TAG}", "acme/app:extra"]
  platforms = ["linux/arm64"]
  cache-from = ["type=gha"]
  cache-to = ["type=gha,mode=max"]
  args = {
    B = "2"
    C = "3"
  }
  output = ["type=registry"]
  annotations = ["manifest:org.opencontainers.image.vendor=acme"]
  attest = ["type=provenance,mode=max", "type=sbom"]
}
