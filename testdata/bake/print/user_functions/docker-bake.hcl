function "tag" {
  params = [repo, tag]
  result = ["${repo}:${tag}", "${repo}:${upper(tag)}"]
}
function "joinall" {
  params = [sep]
  variadic_params = items
  result = join(sep, items)
}
function "double" {
  params = [n]
  result = n * 2
}
function "quad" {
  params = [n]
  result = double(double(n))
}
variable "REPO" {
  default = "acme/app"
}
target "default" {
  tags = tag(REPO, "v1")
  args = {
    JOINED = joinall("-", "a", "b", "c")
    EMPTY = joinall("-")
    QUAD = quad(3)
    SPREAD = joinall("+", ["x", "y"]...)
  }
}
