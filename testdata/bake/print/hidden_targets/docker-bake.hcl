group "default" {
  targets = ["app"]
}
target "_common" {
  args = { COMMON = "1" }
}
target "app" {
  inherits = ["_common"]
}
