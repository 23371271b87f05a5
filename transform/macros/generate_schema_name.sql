{#
    Schemas are exactly the layer names (staging, marts, analytics, snapshots, reference):
    Power BI and the publish step read fixed names, so the target schema is not prefixed.
    Nodes without a custom schema fall back to the target schema.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
