variable "PLATFORMS" {
  default = ["linux/amd64", "linux/arm64", "linux/arm/v7"]
}
variable "USERS" {
  default = [{name = "alice", id = 1}, {name = "bob", id = 2}]
}
target "default" {
  platforms = [for p in PLATFORMS : p if !can(regex("arm/v7", p))]
  tags = [for u in USERS : "app:${u.name}"]
  args = {
    IDS = join(",", USERS[*].id)
    NAMES = join(",", USERS.*.name)
    FIRST = USERS[0].name
    BYNAME = jsonencode({for u in USERS : u.name => u.id})
    GROUPED = jsonencode({for p in PLATFORMS : split("/", p)[1] => p...})
    NEG = -3 + 10 % 4
    CMP = 3 >= 2 && !(1 == 2) || false
  }
}
