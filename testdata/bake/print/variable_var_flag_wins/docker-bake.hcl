variable "TAG" {
  default = "latest"
}
target "default" {
  tags = ["webapp:${TAG}"]
}
