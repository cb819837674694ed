target "a" {
  inherits = ["b"]
  args = { A = "1" }
  tags = ["a"]
}
target "b" {
  inherits = ["a"]
  args = { B = "1" }
}
group "default" {
  targets = ["a", "b"]
}
