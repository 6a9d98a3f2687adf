{#-
  Staging of Airbyte Faker's users stream (YAML metadata style). Every sync re-sends every user, so this view holds
  one row per user per sync; the vault keeps only what changed. Timestamps are converted from timestamptz to UTC
  timestamps before anything is hashed, so hashes never depend on the session's TimeZone. The hashdiff leaves out
  updated_at (new on every sync) and Airbyte's columns, which would make every sync look like a change.
-#}
{%- set yaml_metadata -%}
source_model:
  raw: 'users'
derived_columns:
  RECORD_SOURCE: '!AIRBYTE.FAKER.USERS'
  LOAD_DATE: "_airbyte_extracted_at AT TIME ZONE 'UTC'"
  EFFECTIVE_FROM: "updated_at AT TIME ZONE 'UTC'"
  USER_ID: 'id'
  CREATED_AT: "created_at AT TIME ZONE 'UTC'"
  UPDATED_AT: "updated_at AT TIME ZONE 'UTC'"
hashed_columns:
  USER_HK: 'USER_ID'
  USER_HASHDIFF:
    is_hashdiff: true
    columns:
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
{%- endset -%}

{% set metadata_dict = fromyaml(yaml_metadata) %}

{{ automate_dv.stage(include_source_columns=true,
                     source_model=metadata_dict['source_model'],
                     derived_columns=metadata_dict['derived_columns'],
                     null_columns=none,
                     hashed_columns=metadata_dict['hashed_columns'],
                     ranked_columns=none) }}
