variable "TAGS" {
  type = list(string)
  default = ["a"]
}
variable "LABELS" {
  type = map(string)
  default = {}
}
variable "PORTS" {
  type = list(number)
  default = []
}
target "default" {
  tags = TAGS
  labels = LABELS
  args = {
    PORT_SUM = sum_ports(PORTS)
  }
}
function "sum_ports" {
  params = [ports]
  result = length(ports) == 0 ? 0 : ports[0] + ports[length(ports) - 1]
}
