target "app" {
  name = "app/${a}"
  matrix = {
    a = ["x"]
  }
}
