target "base" {
  tags = ["example/base:latest"]
}
