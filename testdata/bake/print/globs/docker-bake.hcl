target "app-a" {}
target "app-b" {}
target "tool" {}
group "apps" {
  targets = ["app-a", "app-b"]
}
