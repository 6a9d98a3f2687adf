# The warehouse: a one-host Managed PostgreSQL cluster with a public address (clients must use TLS),
# one database and its owner.

resource "yandex_mdb_postgresql_cluster" "warehouse" {
  name                = "${var.name_prefix}-pg"
  environment         = "PRODUCTION"
  network_id          = yandex_vpc_network.main.id
  security_group_ids  = [yandex_vpc_security_group.main.id]
  deletion_protection = var.deletion_protection

  config {
    version = var.postgresql_version

    resources {
      resource_preset_id = var.postgresql_resource_preset
      disk_type_id       = "network-ssd"
      disk_size          = var.postgresql_disk_size
    }
  }

  host {
    zone             = var.zone
    subnet_id        = yandex_vpc_subnet.main.id
    assign_public_ip = true
  }
}

resource "yandex_mdb_postgresql_user" "owner" {
  cluster_id = yandex_mdb_postgresql_cluster.warehouse.id
  name       = var.postgresql_user
  password   = var.postgresql_password
  conn_limit = 50
}

# The user owns the database, so dbt can create the raw, stg, dds and mart schemas without extra grants.
resource "yandex_mdb_postgresql_database" "warehouse" {
  cluster_id = yandex_mdb_postgresql_cluster.warehouse.id
  name       = var.postgresql_dbname
  owner      = yandex_mdb_postgresql_user.owner.name
  lc_collate = "en_US.UTF-8"
  lc_type    = "en_US.UTF-8"
}
