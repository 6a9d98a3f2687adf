{#-
  Staging of Airbyte Faker's products stream (variables style): the 100-car catalogue, re-sent on every sync.
  The business key is the catalogue id; make + model repeats in the catalogue, so it cannot be the key.
  The hashdiff covers what can change (the price does, now and then) and leaves out updated_at.
-#}
{%- set source_model = {"raw": "products"} -%}

{%- set derived_columns = {
    "RECORD_SOURCE": "!AIRBYTE.FAKER.PRODUCTS",
    "LOAD_DATE": "_airbyte_extracted_at AT TIME ZONE 'UTC'",
    "EFFECTIVE_FROM": "updated_at AT TIME ZONE 'UTC'",
    "PRODUCT_ID": "id",
    "CREATED_AT": "created_at AT TIME ZONE 'UTC'",
    "UPDATED_AT": "updated_at AT TIME ZONE 'UTC'"
} -%}

{%- set hashed_columns = {
    "PRODUCT_HK": "PRODUCT_ID",
    "PRODUCT_HASHDIFF": {
        "is_hashdiff": true,
        "columns": ["MAKE", "MODEL", "YEAR", "PRICE", "CREATED_AT"]
    }
} -%}

{{ automate_dv.stage(include_source_columns=true,
                     source_model=source_model,
                     derived_columns=derived_columns,
                     null_columns=none,
                     hashed_columns=hashed_columns,
                     ranked_columns=none) }}
