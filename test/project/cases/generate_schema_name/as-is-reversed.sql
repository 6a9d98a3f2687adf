{#- expect: as-is; dds@analytics=dds; none@analytics=analytics -#}
{% macro generate_schema_name(custom_schema_name=none, node=none) %}
  {% if custom_schema_name is not none %}{{ custom_schema_name }}{% else %}{{ target.schema }}{% endif %}
{% endmacro %}
