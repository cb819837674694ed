target "_base" {
  args = { BASE = "1" }
  platforms = ["linux/amd64"]
}
target "app" {
  inherits = ["_base"]
  name = "app-${v}"
  matrix = {
    v = ["1", "2"]
  }
  args = { V = v }
}
