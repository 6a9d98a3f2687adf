# What the editor reads after `terraform apply` (with `terraform output -json`) to point the dbt project at the
# warehouse and Airbyte at its server. Renaming an output breaks Deploy Infrastructure and Sync Airbyte Connection.

output "postgresql_cluster_id" {
  description = "ID of the Managed PostgreSQL cluster."
  value       = yandex_mdb_postgresql_cluster.warehouse.id
}

# The special c-<id>.rw FQDN always points at the current master, whichever host that is.
output "postgresql_host" {
  description = "Read-write FQDN of the cluster; connect on port 6432 with sslmode=verify-full."
  value       = "c-${yandex_mdb_postgresql_cluster.warehouse.id}.rw.mdb.yandexcloud.net"
}

output "postgresql_port" {
  description = "Port of Managed PostgreSQL (the connection pooler; it cannot be changed)."
  value       = 6432
}

output "postgresql_dbname" {
  description = "Name of the warehouse database."
  value       = yandex_mdb_postgresql_database.warehouse.name
}

output "postgresql_user" {
  description = "User that owns the warehouse database."
  value       = yandex_mdb_postgresql_user.owner.name
}

output "airbyte_ip" {
  description = "Public address of the Airbyte VM (ssh ubuntu@<ip>)."
  value       = yandex_compute_instance.airbyte.network_interface[0].nat_ip_address
}

output "airbyte_url" {
  description = "Airbyte UI and API; it answers a few minutes after apply, once cloud-init has finished."
  value       = "http://${yandex_compute_instance.airbyte.network_interface[0].nat_ip_address}:8000"
}

output "static_access_key" {
  description = "Access key ID of the service account's static key."
  value       = yandex_iam_service_account_static_access_key.main.access_key
  sensitive   = true
}

output "static_secret_key" {
  description = "Secret part of the service account's static key."
  value       = yandex_iam_service_account_static_access_key.main.secret_key
  sensitive   = true
}
