variable "REGISTRY" {
  default = "acme"
}
target "svc" {
  name = sanitize("svc-${item.name}-${item.version}")
  matrix = {
    item = [
      { name = "api", version = "1.0" },
      { name = "web", version = "2.1" },
    ]
  }
  context = item.name
  tags = ["${REGISTRY}/${item.name}:${item.version}"]
}
