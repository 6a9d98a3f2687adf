# Terraform and provider requirements. The provider comes through Yandex's mirror (see terraformrc) because
# registry.terraform.io is not reliably reachable from every network this stack is deployed from.
terraform {
  required_version = ">= 1.5.0"

  required_providers {
    yandex = {
      source  = "yandex-cloud/yandex"
      version = ">= 0.120.0"
    }
  }
}

# Credentials come from the environment (YC_TOKEN or YC_SERVICE_ACCOUNT_KEY_FILE), never from a file in the repository.
provider "yandex" {
  cloud_id  = var.cloud_id
  folder_id = var.folder_id
  zone      = var.zone
}
