{#
    Every member of a dimension, as one query: the members the source holds (`known`, a CTE
    whose columns are `surrogate_key`, `key`, then `columns`, in that order), an inferred
    member for every key of `referenced` (a CTE with a `key` column: the keys facts or other
    sources use) that `known` lacks, and the unknown member -1.

    Inferred members keep the surrogate key their source row will get (member_key), so facts
    that reference them never need rewriting when it arrives. `inferred` gives the SQL value an
    inferred member holds in a column (null where none is given); `unknown` replaces some of
    them for the -1 member (e.g. its name).
#}
{% macro dimension_members(known, referenced, key, surrogate_key, columns, inferred, unknown={}) %}
    select * from {{ known }}

    union all

    select
        {{ member_key(referenced ~ '.' ~ key) }} as {{ surrogate_key }},
        {{ referenced }}.{{ key }},
        {%- for column in columns %}
        {{ inferred.get(column, 'null') }} as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}

    from {{ referenced }}
    left join {{ known }}
        on {{ referenced }}.{{ key }} = {{ known }}.{{ key }}
    where {{ known }}.{{ key }} is null
        and {{ referenced }}.{{ key }} is not null

    union all

    select
        -1 as {{ surrogate_key }},
        -1 as {{ key }},
        {%- for column in columns %}
        {{ unknown.get(column, inferred.get(column, 'null')) }} as {{ column }}
            {{- ',' if not loop.last }}
        {%- endfor %}
{% endmacro %}
