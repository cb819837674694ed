group "default" {
  targets = ["app"]
}
target "app" {
  args = {
    FROM_HCL = "1"
  }
  target = "release"
}
