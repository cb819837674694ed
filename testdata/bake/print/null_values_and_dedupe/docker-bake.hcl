variable "MAYBE" {
  default = null
}
target "_base" {
  args = { KEEP = "base", DROP = "base" }
  tags = ["x"]
}
target "default" {
  inherits = ["_base"]
  args = {
    DROP = null
    NULLVAR = MAYBE
  }
  tags = null
  platforms = ["linux/amd64", "linux/amd64", "", "linux/arm64"]
  labels = { a = "1" }
}
