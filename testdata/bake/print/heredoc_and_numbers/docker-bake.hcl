variable "VERSION" {
  default = 1.50
}
target "default" {
  args = {
    V = VERSION
    BIG = 1e3
    FRAC = 10 / 4
  }
  dockerfile-inline = <<EOT
FROM scratch
LABEL v=${VERSION}
EOT
}
