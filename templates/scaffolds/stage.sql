{%- set yaml_metadata -%}
source_model:
  __SOURCE_NAME__: __SOURCE_TABLE__
derived_columns:
__DERIVED_COLUMNS_YAML__
hashed_columns:
__HASHED_COLUMNS_YAML__
{%- endset -%}

{%- set metadata_dict = fromyaml(yaml_metadata) -%}

{{ automate_dv.stage(include_source_columns=true,
                     source_model=metadata_dict['source_model'],
                     derived_columns=metadata_dict['derived_columns'],
                     null_columns=none,
                     hashed_columns=metadata_dict['hashed_columns'],
                     ranked_columns=none) }}
