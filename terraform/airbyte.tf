# The Airbyte VM: Ubuntu with a public (NAT) address; cloud-init installs Docker and runs `abctl local install`,
# which serves the UI and the API on port 8000.

data "yandex_compute_image" "ubuntu" {
  family = var.airbyte_image_family
}

resource "yandex_compute_instance" "airbyte" {
  name        = "${var.name_prefix}-airbyte"
  hostname    = "${var.name_prefix}-airbyte"
  platform_id = var.airbyte_platform_id
  zone        = var.zone

  resources {
    cores         = var.airbyte_cores
    memory        = var.airbyte_memory
    core_fraction = 100
  }

  boot_disk {
    initialize_params {
      image_id = data.yandex_compute_image.ubuntu.id
      size     = var.airbyte_disk_size
      type     = "network-ssd"
    }
  }

  network_interface {
    subnet_id          = yandex_vpc_subnet.main.id
    nat                = true
    security_group_ids = [yandex_vpc_security_group.main.id]
  }

  scheduling_policy {
    preemptible = var.airbyte_preemptible
  }

  metadata = {
    user-data = templatefile("${path.module}/cloud-init.yaml.tftpl", {
      ssh_public_key = var.ssh_public_key
    })
  }
}
