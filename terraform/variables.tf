# Inputs of the stack. Every variable can be set as TF_VAR_<name> in terraform/.env (see .env.template).

variable "cloud_id" {
  description = "Yandex Cloud ID (yc config get cloud-id)."
  type        = string
}

variable "folder_id" {
  description = "Folder ID the resources are created in (yc config get folder-id)."
  type        = string
}

variable "zone" {
  description = "Availability zone for the subnet, the PostgreSQL host and the Airbyte VM."
  type        = string
  default     = "ru-central1-a"
}

variable "name_prefix" {
  description = "Prefix of every resource name, so several stacks can share a folder."
  type        = string
  default     = "data-vault"
}

variable "subnet_cidr" {
  description = "IPv4 range of the subnet."
  type        = string
  default     = "10.10.0.0/24"
}

variable "allowed_cidrs" {
  description = "Addresses allowed to reach PostgreSQL (6432), the Airbyte UI (8000) and SSH (22). Narrow it to your own address, e.g. [\"203.0.113.7/32\"]."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "postgresql_version" {
  description = "Major version of Managed PostgreSQL."
  type        = string
  default     = "16"
}

variable "postgresql_resource_preset" {
  description = "Host class of the PostgreSQL cluster."
  type        = string
  default     = "s2.micro"
}

variable "postgresql_disk_size" {
  description = "Disk size of the PostgreSQL host, GB."
  type        = number
  default     = 20
}

variable "postgresql_dbname" {
  description = "Name of the warehouse database."
  type        = string
  default     = "dwh"
}

variable "postgresql_user" {
  description = "Owner of the warehouse database; dbt, Airbyte and Superset log in as this user."
  type        = string
  default     = "dwh_user"
}

variable "postgresql_password" {
  description = "Password of the warehouse user (8 to 128 characters). Keep it in terraform/.env only."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.postgresql_password) >= 8 && length(var.postgresql_password) <= 128
    error_message = "postgresql_password must be 8 to 128 characters long."
  }
}

variable "deletion_protection" {
  description = "Protect the PostgreSQL cluster from terraform destroy."
  type        = bool
  default     = false
}

variable "airbyte_image_family" {
  description = "Ubuntu image family of the Airbyte VM."
  type        = string
  default     = "ubuntu-2204-lts"
}

variable "airbyte_platform_id" {
  description = "Compute platform of the Airbyte VM."
  type        = string
  default     = "standard-v3"
}

variable "airbyte_cores" {
  description = "vCPUs of the Airbyte VM; abctl needs at least 4."
  type        = number
  default     = 4

  validation {
    condition     = var.airbyte_cores >= 4
    error_message = "Airbyte needs at least 4 cores (abctl's minimum without low-resource mode)."
  }
}

variable "airbyte_memory" {
  description = "Memory of the Airbyte VM, GB; abctl needs at least 8."
  type        = number
  default     = 8

  validation {
    condition     = var.airbyte_memory >= 8
    error_message = "Airbyte needs at least 8 GB of memory."
  }
}

variable "airbyte_disk_size" {
  description = "Boot disk of the Airbyte VM, GB (images, logs and the kind cluster live here)."
  type        = number
  default     = 50
}

variable "airbyte_preemptible" {
  description = "Run the Airbyte VM as preemptible (cheaper, stopped at least once a day)."
  type        = bool
  default     = false
}

variable "ssh_public_key" {
  description = "Public SSH key for the ubuntu user of the Airbyte VM (the key text, not a path). Empty: no SSH access."
  type        = string
  default     = ""
}

variable "service_account_role" {
  description = "Folder role of the stack's service account; its static key is meant for Object Storage."
  type        = string
  default     = "storage.editor"
}
