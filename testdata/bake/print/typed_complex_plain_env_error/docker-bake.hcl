variable "IMAGES" {
  type = list(object({name = string}))
  default = []
}
target "default" {}
