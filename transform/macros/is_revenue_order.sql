{#
    True when an order in `status_column` counts towards revenue, orders, units and AOV:
    every status except those in var('non_revenue_order_statuses') (cancelled, returned).
#}
{% macro is_revenue_order(status_column) -%}
    {%- set excluded = var('non_revenue_order_statuses') -%}
    coalesce({{ status_column }} not in (
        {%- for status in excluded -%}
            '{{ status }}'{% if not loop.last %}, {% endif %}
        {%- endfor -%}
    ), false)
{%- endmacro %}
