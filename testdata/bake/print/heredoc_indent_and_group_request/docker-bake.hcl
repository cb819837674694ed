target "app" {
  dockerfile-inline = <<-EOT
      FROM alpine
        RUN echo indented
      # ${upper("x")}
    EOT
  args = {
    MULTI = <<EOT
  keep  
  this
EOT
  }
}
group "apps" {
  targets = ["app"]
}
