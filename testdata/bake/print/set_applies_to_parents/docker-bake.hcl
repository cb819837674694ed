target "_base" {
  args = { X = "base" }
}
target "app" {
  inherits = ["_base"]
  args = { Y = "app" }
}
