target "default" {
  tags = ["bake-only"]
}
