variable "IMAGES" {
  type = list(object({name = string, version = string}))
  default = []
}
target "default" {
  tags = [for i in IMAGES : "${i.name}:${i.version}"]
}
