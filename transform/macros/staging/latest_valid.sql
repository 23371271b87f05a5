{#
    The body of a staging model's `latest_valid` CTE: the newest valid version of each key from
    its base model (`base_relation`, built by staging_base): `columns` (the base model's own
    columns, in order), then the lineage columns extracted_at, synced_at, source_file_id,
    `extra_lineage` and load_id. Failing rows are in the quarantine models instead.
#}
{% macro latest_valid(base_relation, columns, extra_lineage=[]) %}
    select
        {%- for column in columns + ['extracted_at', 'synced_at', 'source_file_id']
            + extra_lineage + ['load_id'] %}
        {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}

    from {{ base_relation }}
    where is_latest_valid
{% endmacro %}
