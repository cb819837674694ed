variable "ITEMS" {
  default = ["a", "b", "c"]
}
variable "DEBUG" {
  default = true
}
target "default" {
  args = {
    LIST = "%{ for i, x in ITEMS }${i}=${x}%{ if i < 2 },%{ endif }%{ endfor }"
    MODE = "%{ if DEBUG }debug%{ else }release%{ endif }"
    LITERAL = "$${NOT_INTERPOLATED}"
    PERCENT = "%%{ not a directive }"
    STRIP = "x  %{~ if true ~}  y  %{~ endif ~}  z"
  }
  labels = {
    "com.example.script" = "echo $${HOME}"
  }
  dockerfile-inline = <<-EOT
    FROM alpine
    RUN echo "$${HOME}" && echo ${join(" ", ITEMS)}
    EOT
}
