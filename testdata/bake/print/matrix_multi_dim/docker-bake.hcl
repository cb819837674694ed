target "app" {
  name = "app-${distro}-${replace(go, ".", "-")}"
  matrix = {
    go = ["1.21", "1.22"]
    distro = ["alpine", "debian"]
  }
  args = {
    GO_VERSION = go
    DISTRO = distro
  }
  tags = ["acme/app:${go}-${distro}"]
}
