{#- Every raw lead row, parsed and checked; see _marketing__base.yml. -#}
{{ staging_base(
    source('marketing', 'marketing_leads'),
    key='lead_id',
    columns=[
        ['lead_id', 'cast(lead_id as ' ~ dbt.type_bigint() ~ ')'],
        ['campaign_id', 'cast(campaign_id as ' ~ dbt.type_bigint() ~ ')'],
        ['channel', 'trim(channel)'],
        ['email', 'lower(trim(email))'],
        ['customer_id', 'cast(customer_id as ' ~ dbt.type_bigint() ~ ')'],
        ['lead_status', 'lower(trim(status))'],
        ['created_at', 'cast(created_at as ' ~ type_timestamp_utc() ~ ')'],
        ['converted_at', 'cast(converted_at as ' ~ type_timestamp_utc() ~ ')'],
        ['updated_at', 'cast(updated_at as ' ~ type_timestamp_utc() ~ ')'],
    ],
    checks=[['null_key', 'lead_id is null']],
) }}
