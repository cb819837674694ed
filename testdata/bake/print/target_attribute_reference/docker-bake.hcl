target "foo" {
  dockerfile = "foo.Dockerfile"
  tags = ["acme/foo"]
  args = { V = "1" }
}
target "bar" {
  dockerfile = target.foo.dockerfile
  tags = concat(target.foo.tags, ["acme/bar"])
  args = { FOO_V = target.foo.args.V }
}
