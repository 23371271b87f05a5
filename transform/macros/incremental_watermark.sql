{#
    The lower bound for rows an incremental model re-reads: the latest `column` already in
    {{ this }} minus var('incremental_lookback_days'), so rows committed late with an older
    updated_at are still picked up. Null when the table is empty (read everything).
#}
{% macro incremental_watermark(column) -%}
    {%- set lookback_days = var('incremental_lookback_days') | int -%}
    (select {{ adapter.dispatch('subtract_days', 'crm_warehouse')('max(' ~ column ~ ')', lookback_days) }} from {{ this }})
{%- endmacro %}

{% macro default__subtract_days(expression, days) -%}
    ({{ expression }} - interval '{{ days }} days')
{%- endmacro %}

{% macro bigquery__subtract_days(expression, days) -%}
    timestamp_sub({{ expression }}, interval {{ days }} day)
{%- endmacro %}
