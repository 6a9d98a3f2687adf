{#- expect: custom; stg@public=dv_stg; none@public=public -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}dv_{{ custom_schema_name | trim | lower }}{%- endif -%}
{%- endmacro %}
