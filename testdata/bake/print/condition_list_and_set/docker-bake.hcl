variable "EXTRA" {
  type    = set(string)
  default = ["b"]
}

target "default" {
  # A list and a set unify to a set: de-duplicated and sorted.
  tags = true ? ["z", "a", "z"] : EXTRA
  # Two lists stay a list.
  platforms = true ? ["linux/arm64", "linux/amd64"] : []
}
