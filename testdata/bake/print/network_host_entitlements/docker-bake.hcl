target "default" {
  network = "host"
  entitlements = ["security.insecure"]
  shm-size = "128m"
  ulimits = ["nofile=1024:1024"]
  no-cache-filter = ["build"]
  call = "check"
  extra-hosts = { "my.host" = "10.0.0.1" }
  description = "net host"
}
