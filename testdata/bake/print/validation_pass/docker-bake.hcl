variable "VERSION" {
  default = "1.2.3"
  description = "Version to build"
  validation {
    condition = can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+$", VERSION))
    error_message = "VERSION must be semver."
  }
  validation {
    condition = VERSION != ""
    error_message = "VERSION is required."
  }
}
target "default" {
  tags = ["app:${VERSION}"]
}
