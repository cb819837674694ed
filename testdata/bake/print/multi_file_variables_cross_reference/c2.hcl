variable "BASE" {
  default = "abc"
}
target "app" {
  args = {
    v2 = "${FOO}-post"
  }
}
