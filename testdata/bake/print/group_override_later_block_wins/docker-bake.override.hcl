group "default" {
  targets = ["b"]
}
