{#-
  Descriptive attributes of users (YAML metadata style). The staging view holds every sync's copy of every user,
  so apply_source_filter makes an incremental run consider only rows newer than the satellite's latest per key;
  without it, re-reading the whole history after a change would insert the older versions again.
-#}
{{ config(apply_source_filter=true) }}

{%- set yaml_metadata -%}
source_model: 'stg_users'
src_pk: 'USER_HK'
src_hashdiff: 'USER_HASHDIFF'
src_payload:
  - 'NAME'
  - 'TITLE'
  - 'AGE'
  - 'EMAIL'
  - 'TELEPHONE'
  - 'GENDER'
  - 'LANGUAGE'
  - 'ACADEMIC_DEGREE'
  - 'NATIONALITY'
  - 'OCCUPATION'
  - 'HEIGHT'
  - 'BLOOD_TYPE'
  - 'WEIGHT'
  - 'ADDRESS'
  - 'CREATED_AT'
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
