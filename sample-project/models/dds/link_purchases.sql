{#-
  Purchases as a link between a user and a product (variables style). The purchase id is the dependent child key:
  it is part of the link key and kept as an extra column, so repeated purchases of one product stay apart.
-#}
{%- set source_model = "stg_purchases" -%}
{%- set src_pk = "PURCHASE_HK" -%}
{%- set src_fk = ["USER_HK", "PRODUCT_HK"] -%}
{%- set src_extra_columns = ["PURCHASE_ID"] -%}
{%- set src_ldts = "LOAD_DATE" -%}
{%- set src_source = "RECORD_SOURCE" -%}

{{ automate_dv.link(src_pk=src_pk, src_fk=src_fk, src_extra_columns=src_extra_columns,
                    src_ldts=src_ldts, src_source=src_source, source_model=source_model) }}
