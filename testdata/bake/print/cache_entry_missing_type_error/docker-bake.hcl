target "default" {
  cache-to = ["mode=max,ref=user/app"]
}
