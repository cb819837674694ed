target "default" {
  cache-from = [
    "user/app:cache",
    "type=local,src=path/to/cache",
    { type = "s3", region = "eu-west-1", bucket = "mybucket" },
    "",
    "user/app:cache",
  ]
  cache-to = [
    { type = "registry", ref = "user/app:cache", mode = "max", "image-manifest" = true },
  ]
  output = [
    "type=image,\"name=acme/a,acme/b\",push=true",
    "./out",
    { type = "local", dest = "dist" },
  ]
  secret = [
    "id=aws,src=$HOME/.aws/credentials",
    { id = "token", env = "GH_TOKEN" },
    "type=env,id=npm,src=NPM_TOKEN",
  ]
  ssh = ["default", "key=~/.ssh/a,~/.ssh/b", { id = "other", paths = ["x"] }]
  attest = [
    { type = "provenance", mode = "max" },
    "type=sbom,disabled=true",
    { type = "provenance", mode = "min" },
  ]
}
