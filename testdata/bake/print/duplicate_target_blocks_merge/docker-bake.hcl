target "app" {
  dockerfile = "x"
  tags = ["a"]
}
target "app" {
  dockerfile = "y"
}
