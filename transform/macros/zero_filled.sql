{#
    Every row of `members` (a CTE: the full list a metric table reports on - brackets, bins,
    products, months ...) with `columns` of its own, and the measures of each CTE of
    `measures` ([cte, [measure, ...]] pairs, each one row per `key`) joined on `key` (a column
    or a list of columns): a member without rows gets 0, never a missing row.
#}
{% macro zero_filled(members, columns, measures, key) %}
    {%- set keys = [key] if key is string else key %}
    select
        {%- for column in columns %}
        {{ members }}.{{ column }},
        {%- endfor %}
        {%- for cte, names in measures %}
        {%- set outer = loop %}
        {%- for name in names %}
        coalesce({{ cte }}.{{ name }}, 0) as {{ name }}{{ ',' if not (outer.last and loop.last) }}
        {%- endfor %}
        {%- endfor %}

    from {{ members }}
    {%- for cte, names in measures %}
    left join {{ cte }}
        {%- for column in keys %}
        {{ 'on' if loop.first else 'and' }} {{ members }}.{{ column }} = {{ cte }}.{{ column }}
        {%- endfor %}
    {%- endfor %}
{% endmacro %}
