terraform {
  backend "local" {
    path = "/tmp/tmp.voKXHmQ3Hd/global.tfstate"
  }
}
