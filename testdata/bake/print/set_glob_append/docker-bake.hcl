target "a" {
  tags = ["a:1"]
  platforms = ["linux/amd64"]
}
target "b" {
  tags = ["b:1"]
}
group "default" {
  targets = ["a", "b"]
}
