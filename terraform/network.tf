# One network, one subnet and one security group shared by the PostgreSQL host and the Airbyte VM.

resource "yandex_vpc_network" "main" {
  name = "${var.name_prefix}-network"
}

resource "yandex_vpc_subnet" "main" {
  name           = "${var.name_prefix}-subnet"
  zone           = var.zone
  network_id     = yandex_vpc_network.main.id
  v4_cidr_blocks = [var.subnet_cidr]
}

resource "yandex_vpc_security_group" "main" {
  name        = "${var.name_prefix}-sg"
  description = "PostgreSQL 6432, Airbyte UI 8000 and SSH 22 from the allowed addresses"
  network_id  = yandex_vpc_network.main.id

  # The subnet itself is allowed too: Airbyte on the VM writes to PostgreSQL over the internal network.
  ingress {
    description    = "Managed PostgreSQL (the pooler port; 5432 is not exposed)"
    protocol       = "TCP"
    port           = 6432
    v4_cidr_blocks = concat(var.allowed_cidrs, [var.subnet_cidr])
  }

  ingress {
    description    = "Airbyte UI and API"
    protocol       = "TCP"
    port           = 8000
    v4_cidr_blocks = var.allowed_cidrs
  }

  ingress {
    description    = "SSH to the Airbyte VM"
    protocol       = "TCP"
    port           = 22
    v4_cidr_blocks = var.allowed_cidrs
  }

  egress {
    description    = "Outgoing traffic (Docker images, Airbyte connectors, package updates)"
    protocol       = "ANY"
    from_port      = 0
    to_port        = 65535
    v4_cidr_blocks = ["0.0.0.0/0"]
  }
}
