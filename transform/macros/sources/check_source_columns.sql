{#
    Pre-hook of every staging model: stop the model, naming the source, table and column, when
    a source column it reads (documented in the source's yml) is gone from the source
    (the registry source('ops', 'source_columns'), kept by ingestion: removed or renamed), or
    arrived with values that are not of its type and were kept as text in `<column>__v_text`
    (schema_contract = evolve). Raw keeps such a column, filled with nulls from then on:
    without this check staging would go on silently with nulls. Nothing downstream builds or
    publishes from that run. Reading the registry through source() makes it a dependency of
    every staging model, so lineage shows it.
#}
{% macro check_source_columns() -%}
    {%- set registry_source = source('ops', 'source_columns') -%}
    {%- if not execute or model is not defined -%}
        {{ return('') }}
    {%- endif -%}
    {%- set registry = adapter.get_relation(
        database=registry_source.database, schema=registry_source.schema,
        identifier=registry_source.identifier) -%}
    {%- set problems = [] -%}
    {%- for node_id in model.depends_on.nodes
            if node_id.startswith('source.') and graph.sources[node_id].source_name != 'ops' -%}
        {%- set source_node = graph.sources[node_id] -%}
        {%- set used = source_node.columns.keys() | list -%}
        {%- if used -%}
            {%- do problems.extend(_removed_source_columns(registry, source_node, used)) -%}
            {%- do problems.extend(_drifted_source_columns(source_node, used)) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if problems -%}
        {{ exceptions.raise_compiler_error(
            problems | join('; ') ~ ' - fix: adapt ' ~ model.name ~ ' to the source (or '
            ~ 'restore the column in the source), then run again') }}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}

{% macro _removed_source_columns(registry, source_node, used) -%}
    {%- if registry is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set found = run_query(
        "select column_name, coalesce(detail, 'removed') from " ~ registry
        ~ " where table_name = '" ~ source_node.identifier ~ "' and status = 'removed'"
        ~ " and column_name in ('" ~ used | join("', '") ~ "') order by column_name") -%}
    {%- set problems = [] -%}
    {%- for row in found.rows -%}
        {%- do problems.append(
            "source " ~ source_node.source_name ~ " table " ~ source_node.identifier
            ~ ": column " ~ row[0] ~ " used by " ~ model.name
            ~ " is no longer sent by the source (" ~ row[1] ~ ")") -%}
    {%- endfor -%}
    {{ return(problems) }}
{%- endmacro %}

{% macro _drifted_source_columns(source_node, used) -%}
    {%- set relation = adapter.get_relation(
        database=source_node.database, schema=source_node.schema,
        identifier=source_node.identifier) -%}
    {%- if relation is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set present = adapter.get_columns_in_relation(relation) | map(attribute='name') | list -%}
    {%- set problems = [] -%}
    {%- for column in used if (column ~ '__v_text') in present -%}
        {%- set count = run_query(
            "select count(*) from " ~ relation ~ " where " ~ column ~ "__v_text is not null") -%}
        {%- if count.rows[0][0] > 0 -%}
            {%- do problems.append(
                "source " ~ source_node.source_name ~ " table " ~ source_node.identifier
                ~ ": column " ~ column ~ " used by " ~ model.name ~ " received "
                ~ count.rows[0][0] ~ " value(s) that are not of its type (kept as text in "
                ~ column ~ "__v_text)") -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(problems) }}
{%- endmacro %}
