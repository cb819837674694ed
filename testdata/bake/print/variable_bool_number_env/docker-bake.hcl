variable "PUSH" {
  default = false
}
variable "COUNT" {
  default = 1
}
target "default" {
  tags = PUSH ? ["registry/app:${COUNT + 1}"] : ["local/app:${COUNT * 10}"]
  no-cache = PUSH
}
