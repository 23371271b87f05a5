{#
    Fails for every value outside [min_value, max_value] (bounds optional; `inclusive: false`
    makes them strict). Nulls pass. Use it on a column, or on a model with `columns: [...]`
    to check several columns against the same bounds in one query.
#}
{% test accepted_range(model, column_name=none, columns=none, min_value=none, max_value=none, inclusive=true) %}

{%- set checked = columns if columns else [column_name] -%}

with

{% for column in checked %}
violations_{{ loop.index }} as (

    select
        '{{ column }}' as column_name,
        cast({{ column }} as {{ dbt.type_string() }}) as violating_value
    from {{ model }}
    where
        {{ column }} is not null
        and (
            1 = 0
            {%- if min_value is not none %}
            or {{ column }} {{ '<' if inclusive else '<=' }} {{ min_value }}
            {%- endif %}
            {%- if max_value is not none %}
            or {{ column }} {{ '>' if inclusive else '>=' }} {{ max_value }}
            {%- endif %}
        )

),
{% endfor %}

violations as (

    {% for column in checked -%}
    select * from violations_{{ loop.index }}
    {% if not loop.last %}union all
    {% endif -%}
    {%- endfor %}

)

select * from violations

{% endtest %}
