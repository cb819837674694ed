group "default" {
  targets = ["c", "b"]
}
target "a" {}
target "b" {}
target "c" {}
