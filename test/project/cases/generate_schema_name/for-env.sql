{#- expect: for-env; stg@public=public; stg@public@prod=stg; none@public@prod=public -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ generate_schema_name_for_env(custom_schema_name, node) }}
{%- endmacro %}
