target "default" {
  context = "."
  tags = ["from-subdir"]
}
