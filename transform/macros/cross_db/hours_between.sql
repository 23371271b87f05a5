{# Elapsed hours between two instants (end minus start), exact across DST changes. #}
{% macro hours_between(start_column, end_column) -%}
    {{ return(adapter.dispatch('hours_between', 'crm_warehouse')(start_column, end_column)) }}
{%- endmacro %}

{% macro default__hours_between(start_column, end_column) -%}
    (extract(epoch from ({{ end_column }} - {{ start_column }})) / 3600.0)
{%- endmacro %}

{% macro duckdb__hours_between(start_column, end_column) -%}
    ((epoch({{ end_column }}) - epoch({{ start_column }})) / 3600.0)
{%- endmacro %}

{% macro bigquery__hours_between(start_column, end_column) -%}
    (timestamp_diff({{ end_column }}, {{ start_column }}, second) / 3600.0)
{%- endmacro %}
