{#- Every raw campaign row, parsed and checked; see _marketing__base.yml. -#}
{{ staging_base(
    source('marketing', 'marketing_campaigns'),
    key='campaign_id',
    columns=[
        ['campaign_id', 'cast(campaign_id as ' ~ dbt.type_bigint() ~ ')'],
        ['campaign_name', 'trim(name)'],
        ['channel', 'trim(channel)'],
        ['objective', 'lower(trim(objective))'],
        ['campaign_status', 'lower(trim(status))'],
        ['start_date', 'cast(start_date as date)'],
        ['end_date', 'cast(end_date as date)'],
        ['daily_budget_gbp', to_money('daily_budget')],
        ['currency_code', 'upper(trim(currency))'],
        ['created_at', 'cast(created_at as ' ~ type_timestamp_utc() ~ ')'],
        ['updated_at', 'cast(updated_at as ' ~ type_timestamp_utc() ~ ')'],
    ],
    checks=[['null_key', 'campaign_id is null']],
) }}
