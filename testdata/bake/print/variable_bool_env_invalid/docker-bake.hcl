variable "PUSH" {
  default = false
}
target "default" {
  no-cache = PUSH
}
