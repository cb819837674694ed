target "default" {
  args = {
    HELLO = "foo"
  }
}
