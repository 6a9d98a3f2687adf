# A service account with one folder role and a static access key (S3-compatible, for Object Storage).

resource "yandex_iam_service_account" "main" {
  name        = "${var.name_prefix}-sa"
  folder_id   = var.folder_id
  description = "Service account of the Data Vault stack"
}

resource "yandex_resourcemanager_folder_iam_member" "main" {
  folder_id = var.folder_id
  role      = var.service_account_role
  member    = "serviceAccount:${yandex_iam_service_account.main.id}"
}

resource "yandex_iam_service_account_static_access_key" "main" {
  service_account_id = yandex_iam_service_account.main.id
  description        = "Static access key of the Data Vault stack"
}
