variable "FOO" {}
variable "BAR" {}
target "default" {
  args = {
    FOO = FOO
    BAR = "x${BAR}x"
  }
}
