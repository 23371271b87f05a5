{#- Every raw daily spend row, parsed and checked; see _marketing__base.yml. -#}
{{ staging_base(
    source('marketing', 'marketing_ad_spend'),
    key=['campaign_id', 'spend_date'],
    columns=[
        ['campaign_id', 'cast(campaign_id as ' ~ dbt.type_bigint() ~ ')'],
        ['spend_date', 'cast(spend_date as date)'],
        ['channel', 'trim(channel)'],
        ['impressions', 'cast(impressions as ' ~ dbt.type_bigint() ~ ')'],
        ['clicks', 'cast(clicks as ' ~ dbt.type_bigint() ~ ')'],
        ['spend_gbp', to_money('spend')],
        ['currency_code', 'upper(trim(currency))'],
        ['updated_at', 'cast(updated_at as ' ~ type_timestamp_utc() ~ ')'],
    ],
    checks=[['null_key', 'campaign_id is null or spend_date is null']],
) }}
