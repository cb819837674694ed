target "app" {
  args = { A = "1" }
  labels = { L = "1" }
  tags = ["app:1"]
  platforms = ["linux/amd64"]
  cache-from = ["type=registry,ref=app:cache"]
  dockerfile = "Dockerfile"
}
