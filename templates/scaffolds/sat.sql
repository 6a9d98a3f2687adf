{{ config(materialized='incremental') }}

{%- set source_model = "__STAGE_MODEL__" -%}
{%- set src_pk = "__HASH_KEY__" -%}
{%- set src_hashdiff = "__HASHDIFF__" -%}
{%- set src_payload = __PAYLOAD__ -%}
{%- set src_eff = "__EFFECTIVE_FROM__" -%}
{%- set src_ldts = "__LOAD_DATETIME__" -%}
{%- set src_source = "__RECORD_SOURCE__" -%}

{{ automate_dv.sat(src_pk=src_pk, src_hashdiff=src_hashdiff,
                   src_payload=src_payload, src_eff=src_eff,
                   src_ldts=src_ldts, src_source=src_source,
                   source_model=source_model) }}
