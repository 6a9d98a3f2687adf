{#- Products by catalogue id (YAML metadata style); make + model is not unique in the catalogue. -#}
{%- set yaml_metadata -%}
source_model: 'stg_products'
src_pk: 'PRODUCT_HK'
src_nk: 'PRODUCT_ID'
src_ldts: 'LOAD_DATE'
src_source: 'RECORD_SOURCE'
{%- endset -%}

{% set metadata_dict = fromyaml(yaml_metadata) %}

{{ automate_dv.hub(src_pk=metadata_dict['src_pk'],
                   src_nk=metadata_dict['src_nk'],
                   src_ldts=metadata_dict['src_ldts'],
                   src_source=metadata_dict['src_source'],
                   source_model=metadata_dict['source_model']) }}
