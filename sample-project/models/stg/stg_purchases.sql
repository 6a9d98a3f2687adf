{#-
  Staging of Airbyte Faker's purchases stream (YAML metadata style). A purchase links a user and a product; its
  link key hashes user id, product id and purchase id, so one user buying the same product twice gives two links.
  The cart/purchase/return times are the purchase's history: a return arrives in a later sync and changes the
  hashdiff. All timestamps become UTC timestamps before hashing.
-#}
{%- set yaml_metadata -%}
source_model:
  raw: 'purchases'
derived_columns:
  RECORD_SOURCE: '!AIRBYTE.FAKER.PURCHASES'
  LOAD_DATE: "_airbyte_extracted_at AT TIME ZONE 'UTC'"
  EFFECTIVE_FROM: "updated_at AT TIME ZONE 'UTC'"
  PURCHASE_ID: 'id'
  CREATED_AT: "created_at AT TIME ZONE 'UTC'"
  UPDATED_AT: "updated_at AT TIME ZONE 'UTC'"
  ADDED_TO_CART_AT: "added_to_cart_at AT TIME ZONE 'UTC'"
  PURCHASED_AT: "purchased_at AT TIME ZONE 'UTC'"
  RETURNED_AT: "returned_at AT TIME ZONE 'UTC'"
hashed_columns:
  USER_HK: 'USER_ID'
  PRODUCT_HK: 'PRODUCT_ID'
  PURCHASE_HK:
    - 'USER_ID'
    - 'PRODUCT_ID'
    - 'PURCHASE_ID'
  PURCHASE_HASHDIFF:
    is_hashdiff: true
    columns:
      - 'CREATED_AT'
      - 'ADDED_TO_CART_AT'
      - 'PURCHASED_AT'
      - 'RETURNED_AT'
{%- endset -%}

{% set metadata_dict = fromyaml(yaml_metadata) %}

{{ automate_dv.stage(include_source_columns=true,
                     source_model=metadata_dict['source_model'],
                     derived_columns=metadata_dict['derived_columns'],
                     null_columns=none,
                     hashed_columns=metadata_dict['hashed_columns'],
                     ranked_columns=none) }}
