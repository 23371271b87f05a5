{#
    Interprets a naive local timestamp as wall-clock time in `source_timezone` and returns it
    as a UTC instant (`timestamp with time zone`; BigQuery `timestamp`). DST-aware: the zone
    rules of the database decide the offset for each value.
#}
{% macro to_utc_timestamp(column, source_timezone) -%}
    {{ return(adapter.dispatch('to_utc_timestamp', 'crm_warehouse')(column, source_timezone)) }}
{%- endmacro %}

{% macro default__to_utc_timestamp(column, source_timezone) -%}
    ({{ column }} at time zone '{{ source_timezone }}')
{%- endmacro %}

{% macro duckdb__to_utc_timestamp(column, source_timezone) -%}
    timezone('{{ source_timezone }}', {{ column }})
{%- endmacro %}

{% macro bigquery__to_utc_timestamp(column, source_timezone) -%}
    timestamp({{ column }}, '{{ source_timezone }}')
{%- endmacro %}

{# The column type of a UTC instant: timestamp with time zone (BigQuery: timestamp). #}
{% macro type_timestamp_utc() -%}
    {{ return(adapter.dispatch('type_timestamp_utc', 'crm_warehouse')()) }}
{%- endmacro %}

{% macro default__type_timestamp_utc() -%}
    timestamp with time zone
{%- endmacro %}

{% macro bigquery__type_timestamp_utc() -%}
    timestamp
{%- endmacro %}
