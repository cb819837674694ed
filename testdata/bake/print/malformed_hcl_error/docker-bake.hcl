target "default" {
  tags = ["a",
