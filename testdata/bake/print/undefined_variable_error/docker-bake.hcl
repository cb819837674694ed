variable "VERSION" {
  default = "1"
}
target "default" {
  tags = ["app:${VERSON}"]
}
