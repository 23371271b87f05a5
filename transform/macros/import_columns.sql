{#
    The body of an import CTE: `columns` (only those the model uses) of `relation` (a ref()
    or source()), optionally only the rows where `where` holds. Models list their imports as
    name as ({{ import_columns(ref('x'), ['a', 'b'], where='...') }}) at the top.
#}
{% macro import_columns(relation, columns, where=none) %}
    select
        {%- for column in columns %}
        {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}

    from {{ relation }}
    {%- if where %}
    where {{ where }}
    {%- endif %}
{% endmacro %}
