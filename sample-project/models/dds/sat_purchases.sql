{#-
  The life of a purchase on the link (YAML metadata style): cart, purchase and return times. A return arrives in a
  later sync, which changes the hashdiff and adds a row. apply_source_filter: see sat_users.
-#}
{{ config(apply_source_filter=true) }}

{%- set yaml_metadata -%}
source_model: 'stg_purchases'
src_pk: 'PURCHASE_HK'
src_hashdiff: 'PURCHASE_HASHDIFF'
src_payload:
  - 'CREATED_AT'
  - 'ADDED_TO_CART_AT'
  - 'PURCHASED_AT'
  - 'RETURNED_AT'
src_eff: 'EFFECTIVE_FROM'
src_ldts: 'LOAD_DATE'
src_source: 'RECORD_SOURCE'
{%- endset -%}

{% set metadata_dict = fromyaml(yaml_metadata) %}

{{ automate_dv.sat(src_pk=metadata_dict['src_pk'],
                   src_hashdiff=metadata_dict['src_hashdiff'],
                   src_payload=metadata_dict['src_payload'],
                   src_eff=metadata_dict['src_eff'],
                   src_ldts=metadata_dict['src_ldts'],
                   src_source=metadata_dict['src_source'],
                   source_model=metadata_dict['source_model']) }}
