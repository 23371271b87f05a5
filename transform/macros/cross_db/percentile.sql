{#
    Continuous (interpolated) percentile of `column` as an aggregate, `fraction` in [0, 1].
    BigQuery has no exact percentile aggregate, so it uses approx_quantiles at 1% resolution.
#}
{% macro percentile(column, fraction) -%}
    {{ return(adapter.dispatch('percentile', 'crm_warehouse')(column, fraction)) }}
{%- endmacro %}

{% macro default__percentile(column, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ column }})
{%- endmacro %}

{% macro duckdb__percentile(column, fraction) -%}
    quantile_cont({{ column }}, {{ fraction }})
{%- endmacro %}

{% macro bigquery__percentile(column, fraction) -%}
    approx_quantiles({{ column }}, 100)[offset({{ (fraction * 100) | int }})]
{%- endmacro %}

{% macro median(column) -%}
    {{ percentile(column, 0.5) }}
{%- endmacro %}
