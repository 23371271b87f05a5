{# The calendar date of a UTC instant, independent of the session time zone. #}
{% macro utc_date(column) -%}
    {{ return(adapter.dispatch('utc_date', 'crm_warehouse')(column)) }}
{%- endmacro %}

{% macro default__utc_date(column) -%}
    cast(({{ column }} at time zone 'UTC') as date)
{%- endmacro %}

{% macro duckdb__utc_date(column) -%}
    cast(timezone('UTC', {{ column }}) as date)
{%- endmacro %}

{% macro bigquery__utc_date(column) -%}
    date({{ column }})
{%- endmacro %}
