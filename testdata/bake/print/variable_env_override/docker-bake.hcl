variable "TAG" {
  default = "latest"
}
target "default" {
  tags = ["docker.io/username/webapp:${TAG}"]
}
