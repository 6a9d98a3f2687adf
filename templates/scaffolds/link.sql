{{ config(materialized='incremental') }}

{%- set source_model = "__STAGE_MODEL__" -%}
{%- set src_pk = "__HASH_KEY__" -%}
{%- set src_fk = __FOREIGN_KEYS__ -%}
{%- set src_ldts = "__LOAD_DATETIME__" -%}
{%- set src_source = "__RECORD_SOURCE__" -%}

{{ automate_dv.link(src_pk=src_pk, src_fk=src_fk, src_ldts=src_ldts,
                    src_source=src_source, source_model=source_model) }}
