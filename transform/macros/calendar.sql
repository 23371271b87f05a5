{# The first day of the month of `column` (a date), as a date. #}
{% macro month_start(column) -%}
    cast({{ dbt.date_trunc('month', column) }} as date)
{%- endmacro %}

{# The calendar_year and calendar_month (1-12) columns of the month starting `column`. #}
{% macro calendar_month_columns(column) -%}
    cast(extract(year from {{ column }}) as {{ dbt.type_bigint() }}) as calendar_year,
        cast(extract(month from {{ column }}) as {{ dbt.type_bigint() }}) as calendar_month
{%- endmacro %}
