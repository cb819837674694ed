variable "N" {
  type = number
  default = "5"
}
variable "S" {
  type = string
  default = 42
}
variable "B" {
  type = bool
  default = "true"
}
variable "TYPED_NO_DEFAULT" {
  type = string
}
target "default" {
  args = {
    N = N * 2
    S = "${S}!"
    B = B ? "yes" : "no"
    T = TYPED_NO_DEFAULT == null ? "null" : TYPED_NO_DEFAULT
  }
}
