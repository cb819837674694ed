target "base" {
  dockerfile = "base.Dockerfile"
  output = ["type=docker"]
}
target "app" {
  contexts = {
    base = "target:base"
    src = "./src"
    empty = ""
  }
}
