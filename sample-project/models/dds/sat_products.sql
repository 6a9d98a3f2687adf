{#-
  Descriptive attributes of products (variables style); a new row whenever the price (or anything else hashed)
  changes. apply_source_filter: see sat_users.
-#}
{{ config(apply_source_filter=true) }}

{%- set source_model = "stg_products" -%}
{%- set src_pk = "PRODUCT_HK" -%}
{%- set src_hashdiff = "PRODUCT_HASHDIFF" -%}
{%- set src_payload = ["MAKE", "MODEL", "YEAR", "PRICE", "CREATED_AT"] -%}
{%- set src_eff = "EFFECTIVE_FROM" -%}
{%- set src_ldts = "LOAD_DATE" -%}
{%- set src_source = "RECORD_SOURCE" -%}

{{ automate_dv.sat(src_pk=src_pk, src_hashdiff=src_hashdiff, src_payload=src_payload,
                   src_eff=src_eff, src_ldts=src_ldts, src_source=src_source,
                   source_model=source_model) }}
