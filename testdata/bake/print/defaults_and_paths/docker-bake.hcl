target "a" {
  context = "./app/"
}
target "b" {
  context = "app/../lib"
  dockerfile = "../Dockerfile.lib"
}
target "c" {
  context = BAKE_CMD_CONTEXT
  dockerfile = ""
}
target "d" {
  context = "https://github.com/acme/app.git#main"
}
target "e" {
  context = "cwd://sub/dir/"
}
group "default" {
  targets = ["a", "b", "c", "d", "e"]
}
