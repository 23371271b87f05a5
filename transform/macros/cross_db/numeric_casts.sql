{# Money in GBP: decimal(18, 2), rounded half away from zero by the cast itself. #}
{% macro to_money(expression) -%}
    cast({{ expression }} as decimal(18, 2))
{%- endmacro %}

{# Ratios, percentages, hours and ratings in metric tables: decimal(18, 4). #}
{% macro to_measure(expression) -%}
    cast({{ expression }} as decimal(18, 4))
{%- endmacro %}

{# Division that returns null instead of failing on a zero denominator, never integer division. #}
{% macro safe_divide(numerator, denominator) -%}
    (({{ numerator }}) * 1.0 / nullif({{ denominator }}, 0))
{%- endmacro %}
