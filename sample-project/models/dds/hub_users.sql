{#- Users by Faker's user id (variables style). The hub keeps the first load of each key and never updates it. -#}
{%- set source_model = "stg_users" -%}
{%- set src_pk = "USER_HK" -%}
{%- set src_nk = "USER_ID" -%}
{%- set src_ldts = "LOAD_DATE" -%}
{%- set src_source = "RECORD_SOURCE" -%}

{{ automate_dv.hub(src_pk=src_pk, src_nk=src_nk, src_ldts=src_ldts,
                   src_source=src_source, source_model=source_model) }}
