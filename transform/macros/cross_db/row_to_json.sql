{# The whole row of `relation_alias` (a CTE or table alias) as JSON text. #}
{% macro row_to_json(relation_alias) -%}
    {{ return(adapter.dispatch('row_to_json', 'crm_warehouse')(relation_alias)) }}
{%- endmacro %}

{% macro default__row_to_json(relation_alias) -%}
    cast(row_to_json({{ relation_alias }}) as {{ dbt.type_string() }})
{%- endmacro %}

{% macro duckdb__row_to_json(relation_alias) -%}
    cast(to_json({{ relation_alias }}) as {{ dbt.type_string() }})
{%- endmacro %}

{% macro bigquery__row_to_json(relation_alias) -%}
    to_json_string({{ relation_alias }})
{%- endmacro %}
