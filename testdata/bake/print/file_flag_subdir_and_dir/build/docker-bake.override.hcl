target "default" {
  tags = ["from-override"]
}
