group "default" {
  targets = ["all"]
}
group "all" {
  description = "Everything"
  targets = ["backend", "frontend", "api"]
}
group "backend" {
  targets = ["api", "worker"]
}
target "api" {}
target "worker" {}
target "frontend" {
  description = "The web UI"
}
