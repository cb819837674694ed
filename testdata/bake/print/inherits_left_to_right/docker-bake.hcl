target "a" {
  context = "a"
  args = { FROM = "a", A = "1" }
  cache-from = ["type=registry,ref=acme/a:cache"]
  secret = ["id=a,src=a.txt"]
  tags = ["a"]
}
target "b" {
  context = "b"
  args = { FROM = "b", B = "1" }
  cache-from = ["type=registry,ref=acme/b:cache"]
  secret = ["id=b,env=B_TOKEN"]
}
target "c" {
  inherits = ["a", "b"]
  cache-from = ["acme/c:cache"]
  args = { C = "1" }
}
