{#
    Fails for every row whose `column_name` lies outside [min_value, max_value] (bounds are
    optional; `inclusive: false` makes them strict). Nulls pass: pair with not_null if needed.
#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}

with

validated as (

    select {{ column_name }} as tested_value
    from {{ model }}
    where {{ column_name }} is not null

),

violations as (

    select tested_value
    from validated
    where
        1 = 0
        {%- if min_value is not none %}
        or tested_value {{ '<' if inclusive else '<=' }} {{ min_value }}
        {%- endif %}
        {%- if max_value is not none %}
        or tested_value {{ '>' if inclusive else '>=' }} {{ max_value }}
        {%- endif %}

)

select * from violations

{% endtest %}
